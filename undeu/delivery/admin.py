from django.contrib import admin

from undeu.delivery.models import ThresholdReached


@admin.register(ThresholdReached)
class ThresholdReachedAdmin(admin.ModelAdmin):
    list_display = ["petition", "name", "signatures", "reached_at", "reverted_at"]
    list_filter = ["name"]
    readonly_fields = [field.name for field in ThresholdReached._meta.fields]

    def has_add_permission(self, request):
        return False
