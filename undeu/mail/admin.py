from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from undeu.mail.models import OutgoingEmail
from undeu.privacy.access import SignerDataAdmin, log_view, mask_email


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(SignerDataAdmin, admin.ModelAdmin):
    list_display = ["id", "kind", "language", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind", "language"]
    exclude = ["context"]
    readonly_fields = ["kind", "language", "state", "attempts", "last_error", "sent_at"]
    # The recipient is often a signer: shown only with privacy.view_signer_data.
    personal_fields = ("to",)
    masked_fields = ("masked_to",)

    @admin.display(description=_("recipient"))
    def masked_to(self, message):
        return mask_email(message.to)

    def log_shown(self, request, message):
        if message is not None:
            log_view(request.user, what="admin.outgoing_email", outgoing_email=message.pk)
