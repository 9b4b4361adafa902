"""Confirming a signature: the POST behind the link in the email."""

import enum

from django.db import transaction
from django.utils import timezone

from undeu.signatures.counting import add_to_count
from undeu.signatures.models import Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import token_digest


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    CLOSED = "closed"
    NOT_COUNTED = "not_counted"


def find_signature(token: str) -> Signature | None:
    if not token or len(token) > 100:
        return None
    return (
        Signature.objects.select_related("petition")
        .filter(token_digest=token_digest(token))
        .first()
    )


def confirm(signature: Signature) -> Outcome:
    if signature.state == SignatureState.CONFIRMED:
        return Outcome.ALREADY_CONFIRMED
    if signature.state != SignatureState.PENDING:
        return Outcome.NOT_COUNTED
    if not signature.petition.accepts_confirmations():
        return Outcome.CLOSED
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: of two simultaneous clicks exactly one changes the row and counts.
        claimed = Signature.objects.filter(pk=signature.pk, state=SignatureState.PENDING).update(
            state=SignatureState.CONFIRMED, confirmed_at=now
        )
        if not claimed:
            return Outcome.ALREADY_CONFIRMED
        add_to_count(signature.petition_id, +1)
        SignatureEvent.objects.create(
            petition_id=signature.petition_id,
            signature_id=signature.pk,
            kind=SignatureEvent.Kind.CONFIRMED,
            at=now,
        )
    signature.state = SignatureState.CONFIRMED
    signature.confirmed_at = now
    return Outcome.CONFIRMED
