"""Normalising what a signer types, so the same person is the same person."""

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

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
    local, _at, domain = value.rpartition("@")
    if len(local) <= _PLAIN_LOCAL_MAX and domain.isascii() and _PLAIN_LOCAL_PART.fullmatch(local):
        # The common case: a plain local part at a domain checked before. What takes the time
        # in email-validator is the domain (IDNA), and a surge's signers share a few domains.
        checked = _checked_domain(domain)
        if checked is not None:
            return f"{local}@{checked}".lower()
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), code="invalid") from None
    return info.normalized.lower()


# A dot-atom of ASCII characters (RFC 5322), at most 64 of them, at an ASCII domain (whose
# length is then the one typed): what email-validator accepts and keeps as it is in any
# address (a test holds the shortcut to its answers).
_PLAIN_LOCAL_PART = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
_PLAIN_LOCAL_MAX = 64


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    """The domain as email-validator normalises it, or None if it refuses it (or it is not
    plain: then every address at it takes the whole check)."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def mailbox_domain(normalised_email: str) -> str:
    """The domain of the mailbox behind the address: googlemail.com is gmail.com, ya.ru is
    yandex.ru (UNDEU_EMAIL_SAME_DOMAINS)."""
    domain = normalised_email.rpartition("@")[2]
    return settings.UNDEU_EMAIL_SAME_DOMAINS.get(domain, domain)


def mailbox(normalised_email: str) -> str:
    """The mailbox an address delivers to, which is what dedupe compares: with the provider's
    rules applied, a.i.gerim+petition@googlemail.com is aigerim@gmail.com. The address itself is
    kept as typed for sending; only its mailbox goes into the dedupe key."""
    local, _at, _domain = normalised_email.rpartition("@")
    domain = mailbox_domain(normalised_email)
    if domain in settings.UNDEU_EMAIL_IGNORE_TAGS:
        local = local.partition("+")[0] or local
    if domain in settings.UNDEU_EMAIL_IGNORE_DOTS:
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def email_digest(normalised_email: str) -> str:
    """The dedupe key: a keyed hash of the address's mailbox, so the database alone does not
    say who signed, and one mailbox spelled two ways is one signer."""
    key = settings.UNDEU_EMAIL_HASH_KEY.encode()
    return hmac.new(key, mailbox(normalised_email).encode(), hashlib.sha256).hexdigest()


def same_name(a: str, b: str) -> bool:
    """Whether two cleaned names are the same person's on a shared address (case and spacing
    aside)."""
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


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
