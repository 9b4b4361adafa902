"""How allauth fits Undeu: its emails go through the outbox, its links use the site's origin."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import get_language

from undeu.mail.compose import PRERENDERED
from undeu.mail.outbox import queue_email
from undeu.signatures.identity import normalise_email


def site_origin(request) -> str:
    """The configured origin, or the one the visitor used (already checked by ALLOWED_HOSTS)."""
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def _on_site_origin(request, url: str) -> str:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return site_origin(request) + path


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # The same normalising as signers' addresses: NFKC, a canonical domain, at most 254
        # characters (Django's form field allows 320, which would fail on saving), no invisible
        # characters that make one address look like another.
        return super().clean_email(normalise_email(email))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's message now, in the visitor's language, and leave sending to the
        worker: an SMTP server that is slow or down must not hold up or break the request.

        The outbox row is written in the caller's transaction and its task enqueued after commit.
        """
        request = allauth_context.request
        full_context = {"request": request, "email": email, "current_site": _site(request)}
        full_context.update(context)
        message = self.render_mail(template_prefix, email, full_context)
        queue_email(PRERENDERED, to=email, language=get_language(), context=_parts(message))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        url = super().get_email_confirmation_url(request, emailconfirmation)
        return _on_site_origin(request, url)

    def get_reset_password_from_key_url(self, key: str) -> str:
        request = allauth_context.request
        return _on_site_origin(request, super().get_reset_password_from_key_url(key))


def _parts(message) -> dict:
    """Subject, plain text and HTML of a rendered message (allauth's own are plain text)."""
    if message.content_subtype == "html":
        return {"subject": message.subject, "text": strip_tags(message.body), "html": message.body}
    alternatives = getattr(message, "alternatives", [])
    html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
    return {"subject": message.subject, "text": message.body, "html": html}


def _site(request) -> SimpleNamespace:
    """What allauth's email templates call the site ("Hello from {{ site_name }}!")."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(site_origin(request)).netloc)
