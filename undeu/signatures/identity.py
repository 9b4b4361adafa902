"""Normalising what a signer types, so the same person is the same person."""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from email_validator import EmailNotValidError, validate_email

# Bidirectional overrides and isolates can make a name display as something else entirely.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def normalise_email(raw: str) -> str:
    """NFKC, trimmed, case-folded, with the domain in its canonical form; or ValidationError."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value or len(value) > 254 or any(unicodedata.category(c) == "Cc" for c in value):
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), code="invalid") from None
    return info.normalized.lower()


def email_digest(normalised_email: str) -> str:
    key = settings.UNDEU_EMAIL_HASH_KEY.encode()
    return hmac.new(key, normalised_email.encode(), hashlib.sha256).hexdigest()


def clean_person_text(raw: str, *, max_length: int) -> str:
    """A name or a place: NFKC, single spaces, no control or direction-override characters."""
    value = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip()
    if any(unicodedata.category(c) in {"Cc", "Cs", "Co"} for c in value) or _BIDI_CONTROLS.search(
        value
    ):
        raise ValidationError(
            _("Use letters, spaces and punctuation only."), code="control_characters"
        )
    if len(value) > max_length:
        raise ValidationError(
            ngettext(
                "Use at most %(limit)d character.", "Use at most %(limit)d characters.", max_length
            )
            % {"limit": max_length},
            code="too_long",
        )
    if "<" in value or ">" in value:
        raise ValidationError(_("Use letters, spaces and punctuation only."), code="markup")
    return value
