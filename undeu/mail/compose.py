"""Turning an outbox row into an email, in the language of the person it is for."""

import threading
import uuid
from contextlib import contextmanager
from copy import copy

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from undeu.petitions.models import Petition


def _confirm_signature(message) -> dict:
    context = _petition_context(message)
    context["confirm_url"] = context["base_url"] + reverse(
        "signatures:confirm", kwargs={"token": message.context["token"]}
    )
    # Where a signer can later see, withdraw or erase their signatures without an account.
    context["rights_url"] = context["base_url"] + reverse("datarights:request")
    return context


_batch = threading.local()


@contextmanager
def shared_lookups():
    """Within a batch, read each petition once for all of its emails (a surge's confirmation
    emails are mostly for one petition), and render each petition's confirmation text once."""
    _batch.petitions, _batch.rendered, _batch.wire = {}, {}, {}
    try:
        yield
    finally:
        del _batch.petitions, _batch.rendered, _batch.wire


def batch_templates() -> dict | None:
    """Within `shared_lookups`, a dict for what is made once per batch (wire.py); else None."""
    return getattr(_batch, "wire", None)


def _petition(petition_id: int) -> Petition:
    cache = getattr(_batch, "petitions", None)
    if cache is None:
        return Petition.objects.prefetch_related("versions").get(pk=petition_id)
    if petition_id not in cache:
        cache[petition_id] = Petition.objects.prefetch_related("versions").get(pk=petition_id)
    return cache[petition_id]


def _petition_context(message) -> dict:
    petition = _petition(message.context["petition_id"])
    version = petition.version_for(message.language)
    base_url = message.context["base_url"].rstrip("/")
    return {
        "base_url": base_url,
        "petition": petition,
        "version": version,
        "petition_url": base_url + reverse("petitions:detail", kwargs={"slug": petition.slug}),
    }


_CONTEXT_BUILDERS = {
    "confirm_signature": _confirm_signature,
    "already_signed": _petition_context,
    "address_shared_full": lambda message: {
        **_petition_context(message),
        "limit": settings.UNDEU_NAMES_PER_EMAIL,
    },
}


def register_context_builder(kind: str, builder) -> None:
    """Add a kind of email from another app (call it from that app's AppConfig.ready)."""
    _CONTEXT_BUILDERS[kind] = builder


# A message rendered by the code that queued it (allauth's, in the visitor's language): its
# context holds the finished subject, text and HTML (empty for a plain-text message).
PRERENDERED = "prerendered"


# Kinds whose text is the same for every recipient of a petition in a language except for the
# token in one link: within a batch they are rendered once, with a placeholder for the token.
SAME_BUT_TOKEN = {"confirm_signature", "already_signed"}
TOKEN_PLACEHOLDER = "UNDEUTOKENPLACEHOLDER"  # noqa: S105 - URL-safe, never escaped, like real ones  # nosec B105


def same_text_key(message) -> tuple:
    """What the text of a SAME_BUT_TOKEN email depends on besides its token: within a batch,
    the emails with one key are rendered (and flattened, wire.py) once."""
    context = message.context
    return (message.kind, message.language, context["petition_id"], context["base_url"])


def _render(message) -> tuple[str, str, str, dict]:
    if message.kind == PRERENDERED:
        parts = message.context
        return " ".join(parts["subject"].split()), parts["text"], parts.get("html", ""), {}
    rendered = getattr(_batch, "rendered", None)
    if rendered is None or message.kind not in SAME_BUT_TOKEN:
        return _render_now(message)
    token = message.context.get("token")
    key = same_text_key(message)
    if key not in rendered:
        template = copy(message)
        template.context = {**message.context}
        if token is not None:
            template.context["token"] = TOKEN_PLACEHOLDER
        rendered[key] = _render_now(template)
    subject, text, html, headers = rendered[key]
    if token is not None:
        text = text.replace(TOKEN_PLACEHOLDER, token)
        html = html.replace(TOKEN_PLACEHOLDER, token)
    return subject, text, html, headers


def _render_now(message) -> tuple[str, str, str, dict]:
    with translation.override(message.language):
        context = _CONTEXT_BUILDERS[message.kind](message)
        # A builder may add headers (List-Unsubscribe on mail to signers who asked for emails).
        extra_headers = context.pop("headers", {})
        context["site_name"] = settings.SITE_NAME
        template = f"mail/{message.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return subject, text, html, extra_headers


class _Email(EmailMultiAlternatives):
    """Django's message, with the boundary between its text and HTML parts made here: left to
    the standard library, each message compiles a regular expression of its own to check a
    random boundary against its text (a tenth of the worker's CPU per email). 128 random bits
    made at sending cannot be in a text written before; "=_" cannot begin a quoted-printable
    line."""

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if msg.is_multipart():
            msg.set_boundary(f"=_{uuid.uuid4().hex}")
        return msg


def compose(message) -> EmailMultiAlternatives:
    subject, text, html, extra_headers = _render(message)
    email = _Email(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            # The same outbox row always has the same Message-ID, so a resend after a crash is
            # recognisable as the same message.
            "Message-ID": f"<outbox-{message.pk}@{_id_domain()}>",
            "Content-Language": message.language,
            "Auto-Submitted": "auto-generated",
            **extra_headers,
        },
    )
    if html:
        email.attach_alternative(html, "text/html")
    return email


def _id_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
    return sender or "undeu.invalid"
