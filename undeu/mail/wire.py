"""A surge's confirmation emails as the SMTP server receives them, made from one template.

Within a batch, the confirmation emails for one petition in one language differ only in the
address, the link's token and the Message-ID (compose.py already renders their text once).
Building each as a MIME message and flattening it (Python's email package folds and encodes
every header and part again) was two thirds of the worker's CPU per email. Here the message is
built and flattened once per batch, exactly as Django's SMTP backend would send it, with
placeholders, and each email is that template with the placeholders replaced.

Only where a replacement cannot change how the rest was written: an address that goes into its
header as it is (plain ASCII, short enough never to be folded), a URL-safe token in a body sent
as it is (7bit or 8bit, not quoted-printable or base64), with room on its lines. Anything else
is composed in full (`compose.compose`), and so is everything outside a batch.
"""

import re
from copy import copy

from django.conf import settings
from django.core.mail.message import sanitize_address

from undeu.mail.compose import (
    SAME_BUT_TOKEN,
    TOKEN_PLACEHOLDER,
    batch_templates,
    compose,
    same_text_key,
)

_TO_PLACEHOLDER = "undeu-recipient@placeholder.invalid"
_ID_PLACEHOLDER = "UNDEUMESSAGEIDPLACEHOLDER"
# Written into the To header unchanged: Django's sanitize_address gives back such an address as
# it is, and "To: " with it stays far below the 78 characters where a header is folded.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,40}@[A-Za-z0-9.-]{1,30}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")
# A body line may hold 998 characters (RFC 5322); a line with a placeholder keeps room for the
# longest token (100) instead of the placeholder.
_LONGEST_LINE = 998 - 100


def wire_message(message) -> tuple[str, bytes] | None:
    """The sender and the bytes of this outbox message for SMTP, from its batch's template; None
    when it must be composed in full."""
    templates = batch_templates()
    if templates is None or message.kind not in SAME_BUT_TOKEN:
        return None
    token = message.context.get("token")
    if not _PLAIN_ADDRESS.fullmatch(message.to) or (
        token is not None and not _TOKEN.fullmatch(token)
    ):
        return None
    key = (*same_text_key(message), token is not None)
    if key not in templates:
        templates[key] = _template(message, with_token=token is not None)
    template = templates[key]
    if template is None:
        return None
    sender, data = template
    data = data.replace(_ID_PLACEHOLDER.encode(), str(message.pk).encode(), 1)
    data = data.replace(_TO_PLACEHOLDER.encode(), message.to.encode(), 1)
    if token is not None:
        data = data.replace(TOKEN_PLACEHOLDER.encode(), token.encode())
    return sender, data


def _template(message, *, with_token: bool) -> tuple[str, bytes] | None:
    """The message with placeholders, flattened as Django's SMTP backend flattens it; None when
    filling them in could change how the rest would have been written."""
    placeholder = copy(message)
    placeholder.pk = _ID_PLACEHOLDER
    placeholder.to = _TO_PLACEHOLDER
    placeholder.context = {**message.context}
    if with_token:
        placeholder.context["token"] = TOKEN_PLACEHOLDER
    email = compose(placeholder)
    data = email.message().as_bytes(linesep="\r\n")
    head = data.partition(b"\r\n\r\n")[0]
    headers_as_written = (
        data.count(_ID_PLACEHOLDER.encode()) == 1
        and data.count(_TO_PLACEHOLDER.encode()) == 1
        and f"\r\nTo: {_TO_PLACEHOLDER}\r\n".encode() in head
    )
    body_as_written = b"quoted-printable" not in data and b"base64" not in data
    tokens = data.count(TOKEN_PLACEHOLDER.encode())
    if with_token:
        expected = email.body.count(TOKEN_PLACEHOLDER) + sum(
            content.count(TOKEN_PLACEHOLDER) for content, _type in email.alternatives
        )
        room = all(
            len(line) <= _LONGEST_LINE
            for line in data.split(b"\r\n")
            if TOKEN_PLACEHOLDER.encode() in line
        )
        tokens_as_written = tokens == expected > 0 and room
    else:
        tokens_as_written = tokens == 0
    if not (headers_as_written and body_as_written and tokens_as_written):
        return None
    return sanitize_address(email.from_email, email.encoding or settings.DEFAULT_CHARSET), data
