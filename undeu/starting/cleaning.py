"""What a starter types, checked before it is stored: readable Unicode text, no control or
direction-override characters, no HTML, and limits that say how long, in the reader's language.

Nothing stored here could run as script anyway (templates escape it, Markdown is sanitised), so
the point is a clear message to a person who pasted something odd, and text that shows as typed.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Bidirectional overrides and isolates make text display as something other than what it is.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A tag or a comment; a lone "<" ("fewer than < 5") is fine.
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_MULTILINE_ALLOWED = {"\n", "\t"}


def too_long_message(limit: int) -> str:
    return ngettext(
        "Use at most %(limit)d character.", "Use at most %(limit)d characters.", limit
    ) % {"limit": limit}


def _refuse_unreadable(value: str, allowed: set[str]) -> None:
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) in {"Cc", "Cs", "Co"}:
            raise ValidationError(
                _("Remove the control characters from this text."), code="control_characters"
            )
    if _BIDI_CONTROLS.search(value):
        raise ValidationError(
            _("Remove the control characters from this text."), code="control_characters"
        )
    if _HTML_TAG.search(value):
        raise ValidationError(
            _("HTML is not allowed here. Write plain text (Markdown where it is offered)."),
            code="markup",
        )


def clean_line(raw: str, *, max_length: int) -> str:
    """One line: a title, a name, a role, an image description."""
    value = unicodedata.normalize("NFC", raw).replace("\t", " ").strip()
    _refuse_unreadable(value, allowed=set())
    value = re.sub(r" {2,}", " ", value)
    if len(value) > max_length:
        raise ValidationError(too_long_message(max_length), code="too_long")
    return value


def clean_text(raw: str, *, max_length: int) -> str:
    """Several lines: the demand, the body (Markdown). Line ends become "\\n"."""
    value = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    _refuse_unreadable(value, allowed=_MULTILINE_ALLOWED)
    if len(value) > max_length:
        raise ValidationError(too_long_message(max_length), code="too_long")
    return value


def has_words(value: str) -> bool:
    """Whether the text has a letter or a digit, not only marks, emoji or invisible characters."""
    return any(character.isalnum() for character in value)
