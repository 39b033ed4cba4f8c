from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Beneficiary, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "kind", "is_active", "last_login")
    list_filter = ("kind", "is_active", "is_staff")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Coffre", {"fields": ("kind", "phone", "preferred_language")}),
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
