"""Asking for a link to one's signatures, by email, and opening it.

Whatever address is typed, the same happens: a link is made and emailed to it, and the visitor
sees the same page, so nobody learns from the site whether an address signed anything (the
page behind the link says so, to whoever reads that mailbox). Requests are rate-limited per
client address and per mailbox (UNDEU_DATARIGHTS_LIMIT_PER_IP / _PER_EMAIL), counted where the
signing limits count.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from undeu.audit.log import record
from undeu.datarights.models import AccessLink
from undeu.defence.limits import count_hits, window_key
from undeu.mail.outbox import queue_email
from undeu.signatures.identity import email_digest
from undeu.signatures.signing import new_token, token_digest

EMAIL_KIND = "datarights_link"
# A token is 43 URL-safe characters; anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 100


class TooManyRequests(Exception):
    """This client or this mailbox asked for too many links lately."""


def _rate_key(kind: str, value: str) -> str:
    """A key for the rate-limit store that does not carry the address or the digest itself."""
    key = ("datarights-rate:" + settings.SECRET_KEY).encode()
    return f"datarights:{kind}:" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def check_rate(client_address: str, digest: str) -> None:
    """Count this request; TooManyRequests when over a limit."""
    limits = {}
    for kind, value, rates in (
        ("ip", client_address or "unknown", settings.UNDEU_DATARIGHTS_LIMIT_PER_IP),
        ("mailbox", digest, settings.UNDEU_DATARIGHTS_LIMIT_PER_EMAIL),
    ):
        for limit, seconds in rates:
            limits[(window_key(_rate_key(kind, value), seconds), seconds)] = limit
    if not limits:
        return
    hits = count_hits(list(limits))
    if any(hits[key] > limit for (key, _seconds), limit in limits.items()):
        raise TooManyRequests()


def link_lifetime() -> timedelta:
    return timedelta(hours=settings.UNDEU_DATARIGHTS_LINK_HOURS)


def request_link(normalised_email: str, *, language: str, base_url: str) -> None:
    """Make a link to this mailbox's signatures and queue the email carrying it."""
    token, digest = new_token()
    mailbox = email_digest(normalised_email)
    now = timezone.now()
    with transaction.atomic():
        AccessLink.objects.create(
            token_digest=digest,
            email_digest=mailbox,
            created_at=now,
            expires_at=now + link_lifetime(),
        )
        queue_email(
            EMAIL_KIND,
            to=normalised_email,
            language=language,
            context={"token": token, "base_url": base_url},
            recipient_digest=mailbox,
        )
        record("datarights.link_requested")


def find_link(token: str) -> AccessLink | None:
    """The link this token opens, if it has not expired."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return AccessLink.objects.filter(
        token_digest=token_digest(token), expires_at__gt=timezone.now()
    ).first()


def forget_expired_links() -> int:
    """Delete links that no longer open anything (a periodic job)."""
    deleted, _ = AccessLink.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _email_context(message) -> dict:
    base_url = message.context["base_url"].rstrip("/")
    path = reverse("datarights:manage", kwargs={"token": message.context["token"]})
    return {
        "base_url": base_url,
        "link_url": base_url + path,
        "request_url": base_url + reverse("datarights:request"),
        "hours": settings.UNDEU_DATARIGHTS_LINK_HOURS,
    }


def register() -> None:
    from undeu.mail.compose import register_context_builder

    register_context_builder(EMAIL_KIND, _email_context)
