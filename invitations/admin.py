"""Staff invite a structure's administrators (or members) from the Django admin."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from structures.models import Membership

from . import services
from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("full_name", "email", "structure", "role", "state", "sent_at", "expires_at")
    list_filter = ("role",)
    search_fields = ("first_name", "last_name", "email", "structure__name")
    raw_id_fields = ("structure",)
    fields = ("structure", "first_name", "last_name", "email", "role")
    actions = ["send_again", "cancel"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Staff mostly invite a new structure's first administrator.
        return {"role": Membership.Role.ADMIN, **super().get_changeform_initial_data(request)}

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # sent as it is; to change it, cancel it and invite again

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancelled, never deleted: the list keeps what was sent

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        # Token, expiry, email and journal entry: the same path as the team page.
        services.send(obj, request.user, request.build_absolute_uri)  # type: ignore[arg-type]

    @admin.action(
        description=_("Send again (a new link; the old one stops working)"), permissions=["add"]
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        count = 0
        for invitation in queryset.filter(accepted_at__isnull=True):
            services.send(invitation, request.user, request.build_absolute_uri)  # type: ignore[arg-type]
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Cancel (the link stops working)"), permissions=["add"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        for invitation in queryset.filter(accepted_at__isnull=True, cancelled_at__isnull=True):
            services.cancel(invitation, request.user)  # type: ignore[arg-type]
