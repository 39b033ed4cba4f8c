"""Support views: delivery state of reminders and alerts, and who turned what on. Contacts,
appointments and notes themselves stay out of reach of staff (DESIGN.md §5): no names, titles,
places or texts here, nothing editable, and no subscription secret (not even its hash)."""

from typing import Any

from django.contrib import admin

from .models import AgendaSettings, ExpiryAlert, Reminder


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("appointment_code", "offset", "due_at", "status", "attempts", "sent_at")
    list_filter = ("status", "offset")
    fields = ("appointment_code", "offset", "due_at", "status", "reason", "attempts", "sent_at")
    readonly_fields = fields

    @admin.display(description="appointment")
    def appointment_code(self, reminder: Reminder) -> str:
        return str(reminder.appointment.code)

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("appointment")


@admin.register(ExpiryAlert)
class ExpiryAlertAdmin(ReadOnlyAdmin):
    list_display = ("document_code", "expires_on", "due_on", "status", "attempts", "sent_at")
    list_filter = ("status",)
    fields = ("document_code", "expires_on", "due_on", "status", "reason", "attempts", "sent_at")
    readonly_fields = fields

    @admin.display(description="document")
    def document_code(self, alert: ExpiryAlert) -> str:
        return str(alert.document.code)

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("document")


@admin.register(AgendaSettings)
class AgendaSettingsAdmin(ReadOnlyAdmin):
    list_display = ("owner_id", "reminders_on", "has_feed", "feed_created_at")
    list_filter = ("reminders_on",)
    fields = ("owner_id", "reminders_on", "has_feed", "feed_created_at")
    readonly_fields = fields

    @admin.display(boolean=True, description="calendar link")
    def has_feed(self, found: AgendaSettings) -> bool:
        return found.has_feed
