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
    if signature.signer_confirmed:
        return Outcome.ALREADY_CONFIRMED
    if signature.state not in (SignatureState.PENDING, SignatureState.FLAGGED):
        return Outcome.NOT_COUNTED
    if not signature.petition.accepts_confirmations():
        return Outcome.CLOSED
    now = timezone.now()
    if signature.state == SignatureState.FLAGGED:
        return _confirm_flagged(signature, now)
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


def _confirm_flagged(signature: Signature, now) -> Outcome:
    """A flagged signer confirms like any other and is told the same, so a bot learns nothing
    from the answer; the signature waits, uncounted, for a moderator (who counts it at once if
    they accept it, since its signer did confirm)."""
    claimed = Signature.objects.filter(
        pk=signature.pk, state=SignatureState.FLAGGED, confirmed_at=None
    ).update(confirmed_at=now)
    if not claimed:
        return Outcome.ALREADY_CONFIRMED
    signature.confirmed_at = now
    return Outcome.CONFIRMED
