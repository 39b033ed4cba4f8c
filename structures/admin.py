from django.contrib import admin

from .models import Affiliation, AffiliationRequest, Membership, Structure


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "subscription_status", "created_at")
    list_filter = ("kind", "subscription_status")
    search_fields = ("name", "siret")
    inlines = [MembershipInline]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ("beneficiary", "structure", "state", "consented_at")
    list_filter = ("state",)
    raw_id_fields = ("beneficiary", "structure", "created_by")


@admin.register(AffiliationRequest)
class AffiliationRequestAdmin(admin.ModelAdmin):
    list_display = ("structure", "state", "created_at", "decided_at")
    list_filter = ("state",)
    raw_id_fields = ("beneficiary", "structure", "requested_by")
