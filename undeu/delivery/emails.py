"""The outcome email to opted-in signers (registered in mail/compose.py)."""

from undeu.petitions.models import Petition
from undeu.updates.emails import signer_email_context


def outcome_email_context(message) -> dict:
    petition = Petition.objects.prefetch_related("versions").get(pk=message.context["petition_id"])
    return signer_email_context(message, petition)
