from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp
from .models import Beneficiary, User

# django-otp's own admin pages show TOTP secrets: staff must never be able to read them.
# Resetting a person's second factor is the action below (and the team page for admins).
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "kind", "is_active", "last_login")
    list_filter = ("kind", "is_active", "is_staff")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Coffre", {"fields": ("kind", "phone", "preferred_language", "must_change_password")}),
    )
    actions = ["reset_two_factor"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            # Staff typed this password: the person chooses their own at first login.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    @admin.action(
        description=_("Reset two-step verification (the person sets it up again)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset:
            if otp.reset(user, request.user):  # type: ignore[arg-type]
                count += 1
        self.message_user(
            request,
            ngettext(
                "Two-step verification reset for %(count)d account.",
                "Two-step verification reset for %(count)d accounts.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Coffre", {"fields": ("kind", "first_name", "last_name")}),
    )


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    """Support metadata only: no paper, no title, no content is reachable from here."""

    list_display = ("last_name", "first_name", "birth_date", "created_at")
    search_fields = ("last_name", "first_name", "user__username")
    readonly_fields = ("code", "user", "created_at")
    fields = (
        "code",
        "user",
        "first_name",
        "last_name",
        "birth_date",
        "phone",
        "quota_bytes",
        "created_at",
    )
