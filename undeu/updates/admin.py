from django.contrib import admin

from undeu.updates.models import Mailing, Update, UpdateText


class UpdateTextInline(admin.StackedInline):
    model = UpdateText
    extra = 0
    readonly_fields = ["body_html"]


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    """Staff can read and, if one breaks the rules, delete a starter's update."""

    list_display = ["id", "petition", "created_at", "emailed_at"]
    search_fields = ["petition__slug", "texts__title"]
    raw_id_fields = ["petition", "author"]
    readonly_fields = ["emailed_at"]
    inlines = [UpdateTextInline]


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ["id", "petition", "kind", "queued", "created_at", "finished_at"]
    list_filter = ["kind"]
    readonly_fields = [field.name for field in Mailing._meta.fields]

    def has_add_permission(self, request):
        return False
