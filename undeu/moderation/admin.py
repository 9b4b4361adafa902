from django.contrib import admin

from undeu.moderation.models import AbuseReport, RejectionReason


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "label_kk", "label_ru", "label_en", "active", "position"]
    list_editable = ["active", "position"]
    list_filter = ["active"]
    search_fields = ["code", "label_kk", "label_ru", "label_en"]
    ordering = ["position", "code"]


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    list_display = ["petition", "reason", "status", "created_at", "handled_by", "handled_at"]
    list_filter = ["status", "reason", "created_at"]
    search_fields = ["petition__slug", "petition__versions__title", "text"]
    date_hierarchy = "created_at"
    list_select_related = ["petition", "handled_by"]
    # Handling goes through the moderation pages, which write the audit log.
    readonly_fields = [
        "petition",
        "reason",
        "text",
        "status",
        "created_at",
        "handled_by",
        "handled_at",
    ]

    def has_add_permission(self, request):
        return False
