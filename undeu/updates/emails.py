"""What the emails to opted-in signers are rendered from (registered in mail/compose.py).

Every such email carries a one-click unsubscribe link, in its headers and in its body.
"""

from django.urls import reverse

from undeu.petitions.models import Petition
from undeu.updates.models import Update
from undeu.updates.unsubscribe import unsubscribe_headers, unsubscribe_token


def signer_email_context(message, petition: Petition) -> dict:
    """Links and headers common to every email to a signer about their petition. Call with
    the recipient's language active, so the links open in it."""
    base_url = message.context["base_url"].rstrip("/")
    unsubscribe_url = base_url + reverse(
        "updates:unsubscribe", kwargs={"token": unsubscribe_token(message.context["signature_id"])}
    )
    return {
        "base_url": base_url,
        "petition": petition,
        "version": petition.version_for(message.language),
        "petition_url": base_url + reverse("petitions:detail", kwargs={"slug": petition.slug}),
        "unsubscribe_url": unsubscribe_url,
        "headers": unsubscribe_headers(unsubscribe_url),
    }


def update_email_context(message) -> dict:
    update = (
        Update.objects.select_related("petition")
        .prefetch_related("texts", "petition__versions")
        .get(pk=message.context["update_id"])
    )
    context = signer_email_context(message, update.petition)
    context["update"] = update
    context["text"] = update.text_for(message.language)
    return context
