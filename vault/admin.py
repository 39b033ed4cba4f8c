from django.contrib import admin

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Support view: state and size for troubleshooting. Titles and contents stay out of reach
    of staff (DESIGN.md §5): no title, no download, nothing editable."""

    list_display = ("code", "owner_id", "state", "size", "created_at")
    list_filter = ("state",)
    fields = ("code", "state", "failure_reason", "size", "created_at")
    readonly_fields = fields

    @admin.display(description="size (bytes)")
    def size(self, document: Document) -> int:
        return document.file.size

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("file")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
