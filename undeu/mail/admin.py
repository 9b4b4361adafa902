from django.contrib import admin

from undeu.mail.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "language", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind", "language"]
    exclude = ["context"]
    readonly_fields = ["kind", "to", "language", "state", "attempts", "last_error", "sent_at"]
