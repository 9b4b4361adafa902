"""The retention notice: a petition's signatures will soon be anonymised.

The starter gets it in the petition's primary language (the language of every email about
their petition), the moderators in the instance's default language (they have none on record).
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from undeu.core.l10n import localised_date
from undeu.defence.mail import configured_base_url, moderator_emails
from undeu.mail.compose import _petition_context, register_context_builder
from undeu.mail.outbox import queue_email
from undeu.petitions.models import PUBLIC_STATES, Petition

KIND = "retention_notice"
STARTER, MODERATOR = "starter", "moderator"


def queue_notices(petition: Petition, scheduled_for: datetime) -> None:
    """Queue the notice to the starter and each moderator (inside the caller's transaction)."""
    context = {
        "petition_id": petition.pk,
        "base_url": configured_base_url(),
        "scheduled_for": scheduled_for.isoformat(),
    }
    starter = petition.starter
    if starter is not None and starter.email:
        queue_email(
            KIND,
            to=starter.email,
            language=petition.primary_language,
            context={**context, "audience": STARTER},
        )
    for email in moderator_emails():
        if starter is not None and email == starter.email:
            continue
        queue_email(
            KIND,
            to=email,
            language=settings.LANGUAGE_CODE,
            context={**context, "audience": MODERATOR},
        )


def _notice_context(message) -> dict:
    context = _petition_context(message)
    petition = context["petition"]
    context["date"] = localised_date(parse_datetime(message.context["scheduled_for"]))
    context["for_starter"] = message.context.get("audience") == STARTER
    context["days"] = settings.UNDEU_SIGNATURE_RETENTION_DAYS
    if context["for_starter"] and petition.state in PUBLIC_STATES:
        path = reverse("delivery:manage", kwargs={"slug": petition.slug})
        context["manage_url"] = context["base_url"] + path
    else:
        context["manage_url"] = ""
    return context


def register() -> None:
    register_context_builder(KIND, _notice_context)
