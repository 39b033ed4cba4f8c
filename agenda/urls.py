"""Mounted at /coffre/agenda/. Items are reached by their random code, whoever asks; the
policy decides. ``for/<person>/...`` is a professional adding an item on the person's behalf."""

from django.urls import URLPattern, path

from . import views

app_name = "agenda"

PLURALS = {"contact": "contacts", "appointment": "appointments", "note": "notes"}


def item_urls(kind: str) -> list[URLPattern]:
    plural = PLURALS[kind]
    on = {"kind": kind}
    return [
        path(f"{plural}/new/", views.item_create, on, name=f"{kind}_create"),
        path(
            f"for/<uuid:person>/{plural}/new/",
            views.item_create,
            on,
            name=f"{kind}_create_for",
        ),
        path(f"{plural}/<uuid:code>/", views.item_detail, on, name=kind),
        path(f"{plural}/<uuid:code>/edit/", views.item_edit, on, name=f"{kind}_edit"),
        path(
            f"{plural}/<uuid:code>/visibility/",
            views.item_visibility,
            on,
            name=f"{kind}_visibility",
        ),
        path(f"{plural}/<uuid:code>/delete/", views.item_delete, on, name=f"{kind}_delete"),
        path(
            f"{plural}/<uuid:code>/download/",
            views.item_download,
            on,
            name=f"{kind}_download",
        ),
    ]


urlpatterns = [
    path("", views.appointment_list, name="calendar"),
    path("month/", views.appointment_month, name="month_now"),
    path("month/<int:year>/<int:month>/", views.appointment_month, name="month"),
    path("contacts/", views.contact_list, name="contacts"),
    path("notes/", views.note_list, name="notes"),
    path("settings/", views.agenda_settings, name="settings"),
    path("settings/reminders/", views.reminders_switch, name="reminders"),
    path("settings/link/", views.feed_create, name="feed_create"),
    path("settings/link/off/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    *item_urls("contact"),
    *item_urls("appointment"),
    *item_urls("note"),
]
