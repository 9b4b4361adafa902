"""System checks on the configuration (stable ids, as Django's own)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def signer_keys_are_set(app_configs=None, **kwargs):
    """Production needs its own keys for signers' data: a key derived from SECRET_KEY would be
    lost (and every name and email with it) the day SECRET_KEY is rotated."""
    if settings.UNDEU_SIGNER_KEYS[0] != settings.UNDEU_SIGNER_DERIVED_KEY:
        return []
    return [
        Warning(
            "Signers' names and emails are encrypted with a key derived from SECRET_KEY.",
            hint=(
                "Set UNDEU_SIGNER_KEYS (or UNDEU_SIGNER_KEYS_FILE) to a key of its own, from"
                " `manage.py rotate_signer_keys --new-key`; to move existing data to it, list it"
                " first and the derived key (`manage.py rotate_signer_keys --derived-key`) after"
                " it, run `manage.py rotate_signer_keys`, then remove the derived key"
                " (docs/configuration.md)."
            ),
            id="undeu.encryption.W001",
        )
    ]
