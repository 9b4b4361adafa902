from django.contrib import admin

from undeu.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "petition", "reason"]
    list_filter = ["action", "at"]
    search_fields = ["petition__slug", "actor__email", "reason", "note"]
    date_hierarchy = "at"
    list_select_related = ["actor", "petition"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
