from django.contrib import admin

from undeu.signatures.models import Signature


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["id", "petition", "state", "country", "language", "created_at", "confirmed_at"]
    list_filter = ["state", "language", "country"]
    search_fields = ["petition__slug"]
    raw_id_fields = ["petition"]
    readonly_fields = ["email_digest", "token_digest"]
