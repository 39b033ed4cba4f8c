"""Staff: see deletion requests and warnings (codes and dates only), carry out a deletion now."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User

from . import deletion
from .models import DeletionRequest, RetentionNotice


def _is_platform_staff(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.is_active and user.kind == User.Kind.STAFF


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = (
        "beneficiary_code",
        "state",
        "reason",
        "requested_at",
        "scheduled_for",
        "completed_at",
    )
    list_filter = ("state", "reason")
    search_fields = ("beneficiary_code",)
    readonly_fields = (
        "code",
        "beneficiary_code",
        "state",
        "reason",
        "requested_at",
        "scheduled_for",
        "cancelled_at",
        "started_at",
        "completed_at",
        "task_id",
    )
    fields = readonly_fields
    actions = ["carry_out_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from the person, or from the retention task

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_carry_out_permission(self, request: HttpRequest) -> bool:
        return _is_platform_staff(request) and request.user.has_perm(
            "privacy.carry_out_deletionrequest"
        )

    @admin.action(description=_("Delete these accounts now"), permissions=["carry_out"])
    def carry_out_now(self, request: HttpRequest, queryset: QuerySet[DeletionRequest]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        done = 0
        for pk in queryset.filter(state__in=DeletionRequest.OPEN_STATES).values_list(
            "pk", flat=True
        ):
            done += deletion.carry_out(pk, actor)
        skipped = queryset.count() - done
        self.message_user(
            request,
            ngettext("%(count)d account deleted.", "%(count)d accounts deleted.", done)
            % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d request was already cancelled or done: nothing to do.",
                    "%(count)d requests were already cancelled or done: nothing to do.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(RetentionNotice)
class RetentionNoticeAdmin(admin.ModelAdmin):
    list_display = ("beneficiary_code", "days_before", "delete_after", "outcome", "created_at")
    list_filter = ("outcome", "days_before")
    fields = (
        "beneficiary_code",
        "last_activity",
        "days_before",
        "delete_after",
        "outcome",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("account code"))
    def beneficiary_code(self, notice: RetentionNotice) -> str:
        return str(notice.beneficiary.code)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RetentionNotice]:
        return super().get_queryset(request).select_related("beneficiary")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
