"""Contacts, appointments and notes: the person's own pages, a professional's on their behalf,
the calendar (list and month), the agenda settings and the private subscription feed.

Every item is reached through ``vault.policy`` (outsiders 404, read-only actors 403); the
professional's reads and everyone's writes are journaled (``agenda.services``).
"""

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Beneficiary
from coffre.http import AuthenticatedHttpRequest as Request
from vault import policy
from vault.models import Visibility
from vault.policy import Action
from vault.services import acting_for
from vault.serving import content_disposition

from . import ics, services, vcard
from .forms import (
    AppointmentForm,
    ContactForm,
    ItemForm,
    NoteForm,
    RemindersForm,
    VisibilityForm,
)
from .models import AgendaSettings, Appointment, Contact, Note
from .reminders import local_zone

PER_PAGE = 30
FEED_PAST_DAYS = 365  # the feed carries a year of past appointments, and all coming ones


@dataclass(frozen=True)
class Kind:
    """What differs between contacts, appointments and notes in the shared views."""

    name: str
    model: type[Contact] | type[Appointment] | type[Note]
    form: type[ItemForm]
    list_url: str
    saved: Any
    deleted: Any
    confirm_delete: Any
    new_title: Any
    change_title: Any
    template: str = "agenda/item_form.html"


KINDS = {
    "contact": Kind(
        "contact",
        Contact,
        ContactForm,
        "agenda:contacts",
        gettext_lazy("Contact saved."),
        gettext_lazy("The contact was deleted."),
        gettext_lazy("The contact will be deleted for good."),
        gettext_lazy("New contact"),
        gettext_lazy("Change the contact"),
    ),
    "appointment": Kind(
        "appointment",
        Appointment,
        AppointmentForm,
        "agenda:calendar",
        gettext_lazy("Appointment saved."),
        gettext_lazy("The appointment was deleted."),
        gettext_lazy("The appointment and its reminders will be deleted for good."),
        gettext_lazy("New appointment"),
        gettext_lazy("Change the appointment"),
        "agenda/appointment_form.html",
    ),
    "note": Kind(
        "note",
        Note,
        NoteForm,
        "agenda:notes",
        gettext_lazy("Note saved."),
        gettext_lazy("The note was deleted."),
        gettext_lazy("The note will be deleted for good."),
        gettext_lazy("New note"),
        gettext_lazy("Change the note"),
    ),
}


def _me(request: Request) -> Beneficiary:
    """The signed-in beneficiary; other kinds of user have no agenda of their own."""
    found = policy.own_vault(request.user)
    if found is None:
        raise Http404
    return found


def _is_owner(request: Request, owner: Beneficiary) -> bool:
    return bool(request.user.pk == owner.user_id)


def _back(request: Request, kind: Kind, owner: Beneficiary) -> str:
    """Where a page about an item leads back to: the owner's list, or the person's page."""
    if _is_owner(request, owner):
        return reverse(kind.list_url)
    return reverse("structures:beneficiary", args=[owner.code])


def _get(request: Request, kind: Kind, action: Action, code: str) -> Any:
    queryset = kind.model.objects.select_related("owner", "created_by")
    return policy.get_for(request.user, queryset, action, code=code)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=local_zone())


# --- Items: create, look, change, share, delete, download. ---------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def item_create(request: Request, kind: str, person: str | None = None) -> HttpResponse:
    spec = KINDS[kind]
    if person is None:
        owner = _me(request)
    else:
        owner = policy.get_beneficiary_for(request.user, Action.CREATE, person)
    is_owner = _is_owner(request, owner)
    form = spec.form(
        request.POST if request.method == "POST" else None,
        with_visibility=owner.default_visibility if is_owner else None,
    )
    if request.method == "POST" and form.is_valid():
        # Only the owner chooses privacy: what a professional adds is shared with them.
        visibility = form.cleaned_data["visibility"] if is_owner else Visibility.SHARED
        item = services.create_item(
            spec.model,
            owner,
            request.user,
            form.values(),
            visibility=visibility,
            structure=acting_for(request.user, owner),
            offsets=form.offsets() if isinstance(form, AppointmentForm) else None,
        )
        messages.success(request, str(spec.saved))
        _warn_if_past(request, form)
        if is_owner and isinstance(item, Appointment):
            return redirect("agenda:appointment", code=item.code)
        return redirect(_back(request, spec, owner))
    return render(
        request,
        spec.template,
        {
            "spec": spec,
            "form": form,
            "owner": owner,
            "is_owner": is_owner,
            "is_new": True,
            "back_url": _back(request, spec, owner),
            "reminders_off": _reminders_off(owner, spec),
        },
    )


def _reminders_off(owner: Beneficiary, spec: Kind) -> bool:
    """Whether the person turned reminders off (the appointment form says so)."""
    if spec.model is not Appointment:
        return False
    return AgendaSettings.objects.filter(owner=owner, reminders_on=False).exists()


def _warn_if_past(request: Request, form: ItemForm) -> None:
    if isinstance(form, AppointmentForm) and form.is_in_the_past():
        messages.warning(
            request,
            _("This appointment is in the past. If the date is wrong, change it."),
        )


@require_GET
@login_required
def item_detail(request: Request, kind: str, code: str) -> HttpResponse:
    spec = KINDS[kind]
    item = _get(request, spec, Action.VIEW, code)
    services.record_view(request.user, item, acting_for(request.user, item.owner))
    context = {
        "item": item,
        "kind": spec.name,
        "is_owner": _is_owner(request, item.owner),
        "can_edit": policy.can(request.user, Action.EDIT, item),
        "can_delete": policy.can(request.user, Action.DELETE, item),
        "back_url": _back(request, spec, item.owner),
    }
    if isinstance(item, Appointment):
        context["reminders"] = sorted(item.reminders.all(), key=lambda r: r.due_at)
    return render(request, f"agenda/{spec.name}.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request: Request, kind: str, code: str) -> HttpResponse:
    spec = KINDS[kind]
    item = _get(request, spec, Action.EDIT, code)
    if request.method == "POST":
        form = spec.form(request.POST)
        if form.is_valid():
            changed = services.update_item(
                item,
                request.user,
                form.values(),
                structure=acting_for(request.user, item.owner),
                offsets=form.offsets() if isinstance(form, AppointmentForm) else None,
            )
            messages.success(request, str(spec.saved))
            if "starts_at" in changed:  # a past appointment whose note changes: no warning
                _warn_if_past(request, form)
            return redirect(f"agenda:{spec.name}", code=item.code)
    else:
        form = spec.form(initial=spec.form.initial_from(item))
    return render(
        request,
        spec.template,
        {
            "spec": spec,
            "form": form,
            "item": item,
            "owner": item.owner,
            "is_owner": _is_owner(request, item.owner),
            "is_new": False,
            "back_url": reverse(f"agenda:{spec.name}", args=[item.code]),
            "reminders_off": _reminders_off(item.owner, spec),
        },
    )


@require_POST
@login_required
def item_visibility(request: Request, kind: str, code: str) -> HttpResponse:
    spec = KINDS[kind]
    item = _get(request, spec, Action.SHARE, code)
    form = VisibilityForm(request.POST)
    if form.is_valid():
        services.set_visibility(item, request.user, form.cleaned_data["visibility"])
        if item.is_shared:
            messages.success(request, _("Your social workers can now see it."))
        else:
            messages.success(request, _("Only you can see it now."))
    if request.POST.get("next") == "list":
        return redirect(spec.list_url)
    return redirect(f"agenda:{spec.name}", code=item.code)


@require_http_methods(["GET", "POST"])
@login_required
def item_delete(request: Request, kind: str, code: str) -> HttpResponse:
    spec = KINDS[kind]
    item = _get(request, spec, Action.DELETE, code)
    if request.method == "POST":
        back = _back(request, spec, item.owner)
        services.delete_item(item, request.user, acting_for(request.user, item.owner))
        messages.success(request, str(spec.deleted))
        return redirect(back)
    return render(
        request,
        "agenda/item_delete.html",
        {"item": item, "kind": spec.name, "consequence": spec.confirm_delete},
    )


@require_GET
@login_required
def item_download(request: Request, kind: str, code: str) -> HttpResponse:
    """An appointment as .ics, a contact as .vcf, a note as .txt: for the phone's own apps."""
    spec = KINDS[kind]
    item = _get(request, spec, Action.DOWNLOAD, code)
    services.record_view(request.user, item, acting_for(request.user, item.owner))
    if isinstance(item, Appointment):
        body = ics.calendar_of([item])
        media_type, name = ics.MEDIA_TYPE, ics.file_name(item)
    elif isinstance(item, Contact):
        body = vcard.cards([item])
        media_type, name = vcard.MEDIA_TYPE, f"{item.name}.vcf"
    else:
        body = item.as_text().encode("utf-8")
        media_type, name = "text/plain; charset=utf-8", f"{item.journal_label}.txt"
    response = HttpResponse(body, content_type=media_type)
    stem, _dot, extension = name.rpartition(".")
    filename = f"{slugify(stem)[:80] or spec.name}.{extension}"
    response["Content-Disposition"] = content_disposition(filename, inline=False)
    return _no_store(response)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- The person's lists. --------------------------------------------------------------------


def _own(request: Request, model: Any) -> QuerySet[Any]:
    """The signed-in person's own items of one kind, through the policy."""
    return model.objects.visible_to(request.user).filter(owner=_me(request))


@require_GET
@login_required
def contact_list(request: Request) -> HttpResponse:
    contacts = _own(request, Contact)
    page = Paginator(contacts.order_by("name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "agenda/contacts.html", {"page": page})


@require_GET
@login_required
def note_list(request: Request) -> HttpResponse:
    notes = _own(request, Note)
    page = Paginator(notes.order_by("-updated_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "agenda/notes.html", {"page": page})


@dataclass
class Day:
    date: datetime.date
    appointments: list[Appointment] = field(default_factory=list)
    in_month: bool = True
    is_today: bool = False


def group_by_day(appointments: list[Appointment]) -> list[Day]:
    """Consecutive appointments of the same local day together (the list is already sorted)."""
    zone = local_zone()
    return [
        Day(day, list(items))
        for day, items in groupby(appointments, key=lambda a: a.starts_at.astimezone(zone).date())
    ]


@require_GET
@login_required
def appointment_list(request: Request) -> HttpResponse:
    """Coming appointments by day, from the start of today; past ones behind a link."""
    appointments = _own(request, Appointment)
    today = timezone.localdate()
    past = request.GET.get("past") == "1"
    if past:
        appointments = appointments.filter(starts_at__lt=_start_of(today)).order_by(
            "-starts_at", "-pk"
        )
    else:
        appointments = appointments.filter(starts_at__gte=_start_of(today)).order_by(
            "starts_at", "pk"
        )
    page = Paginator(appointments, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "agenda/calendar.html",
        {
            "page": page,
            "days": group_by_day(list(page.object_list)),
            "past": past,
            "today": today,
            "tomorrow": today + datetime.timedelta(days=1),
        },
    )


@require_GET
@login_required
def appointment_month(request: Request, year: int | None = None, month: int | None = None) -> Any:
    appointments = _own(request, Appointment)
    today = timezone.localdate()
    if year is None or month is None:
        year, month = today.year, today.month
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise Http404
    weeks = pycalendar.Calendar(firstweekday=pycalendar.MONDAY).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    found = appointments.filter(
        starts_at__gte=_start_of(first),
        starts_at__lt=_start_of(last + datetime.timedelta(days=1)),
    ).order_by("starts_at", "pk")
    by_day = {day.date: day.appointments for day in group_by_day(list(found))}
    grid = [
        [
            Day(
                date,
                by_day.get(date, []),
                in_month=date.month == month,
                is_today=date == today,
            )
            for date in week
        ]
        for week in weeks
    ]
    shown = datetime.date(year, month, 1)
    previous = shown - datetime.timedelta(days=1)
    following = (shown + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "agenda/month.html",
        {
            "weeks": grid,
            "month": shown,
            "previous": previous,
            "next": following,
            "today": today,
            "is_this_month": (year, month) == (today.year, today.month),
            "count": sum(len(day.appointments) for week in grid for day in week if day.in_month),
            "weekdays": [
                (WEEKDAYS[(n + pycalendar.MONDAY) % 7], WEEKDAYS_ABBR[(n + pycalendar.MONDAY) % 7])
                for n in range(7)
            ],
        },
    )


# --- Settings: reminders, and the private subscription link. --------------------------------


@require_GET
@login_required
def agenda_settings(request: Request) -> HttpResponse:
    me = _me(request)
    return render(request, "agenda/settings.html", {"settings": services.settings_for(me)})


@require_POST
@login_required
def reminders_switch(request: Request) -> HttpResponse:
    me = _me(request)
    form = RemindersForm(request.POST)
    on = form.is_valid() and form.cleaned_data["reminders_on"]
    services.set_reminders(me, on)
    if on:
        messages.success(
            request, _("Reminders are on: we will send you a message before each appointment.")
        )
    else:
        messages.success(request, _("Reminders are off: we will not send you any message."))
    return redirect("agenda:settings")


@require_POST
@login_required
def feed_create(request: Request) -> HttpResponse:
    """Make the link (or a new one: the old one stops working) and show it, once."""
    me = _me(request)
    token = services.make_feed_link(me, request.user)
    url = request.build_absolute_uri(reverse("agenda:feed", args=[token]))
    response = render(
        request,
        "agenda/settings.html",
        {
            "settings": services.settings_for(me),
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1],
        },
    )
    # The secret is shown once: no copy in any cache, no page to go back to.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def feed_revoke(request: Request) -> HttpResponse:
    me = _me(request)
    if services.revoke_feed_link(me, request.user):
        messages.success(request, _("The link is turned off: nobody can use it any more."))
    return redirect("agenda:settings")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription link: no login (calendar apps cannot log in), the secret is the key.
    Unknown, changed or turned-off secrets: 404. Only the owner's own appointments."""
    owner = services.owner_of_feed(token)
    if owner is None or not owner.user.is_active:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    appointments = list(
        # The policy, acting for the owner: the feed sees exactly what the owner sees.
        Appointment.objects.visible_to(owner.user)
        .filter(owner=owner, starts_at__gte=since)
        .prefetch_related("reminders")
        .order_by("starts_at", "pk")
    )
    with translation.override(owner.user.preferred_language or settings.LANGUAGE_CODE):
        body = ics.calendar_of(appointments, name=_("My appointments (Coffre)"), subscription=True)
    response = HttpResponse(body, content_type=ics.MEDIA_TYPE)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition("coffre.ics", inline=True)
    response["Referrer-Policy"] = "no-referrer"
    return response
