from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from undeu.privacy.access import SignerDataAdmin, log_view, mask_email, mask_ip, mask_name
from undeu.signatures.models import Signature


@admin.register(Signature)
class SignatureAdmin(SignerDataAdmin, admin.ModelAdmin):
    list_display = ["id", "petition", "state", "country", "language", "created_at", "confirmed_at"]
    list_filter = ["state", "language", "country"]
    search_fields = ["petition__slug"]
    raw_id_fields = ["petition"]
    readonly_fields = ["email_digest", "token_digest"]
    # Names, emails and addresses only with privacy.view_signer_data (see privacy/access.py).
    personal_fields = ("full_name", "email", "ip_address", "network")
    masked_fields = ("masked_name", "masked_email", "masked_ip")

    @admin.display(description=_("full name"))
    def masked_name(self, signature):
        return mask_name(signature.full_name)

    @admin.display(description=_("email"))
    def masked_email(self, signature):
        return mask_email(signature.email)

    @admin.display(description=_("IP address"))
    def masked_ip(self, signature):
        return mask_ip(signature.ip_address)

    def log_shown(self, request, signature):
        if signature is not None:
            log_view(
                request.user,
                what="admin.signature",
                signature_ids=[signature.pk],
                petition=signature.petition,
            )
