"""Taking a signature out of the count: a moderator invalidates it, or its signer withdraws it.

Only a confirmed signature is in the count, so the count changes only when a conditional UPDATE
moves a signature out of the confirmed state, in the same transaction as the shard update and the
append-only event. Two removals racing, or a removal racing the confirmation, can therefore never
count twice or drift; a pending signature simply stops being confirmable.
"""

from django.db import transaction
from django.utils import timezone

from undeu.audit.log import record
from undeu.signatures.counting import add_to_count
from undeu.signatures.models import Signature, SignatureEvent, SignatureState

_EVENT = {
    SignatureState.INVALIDATED: SignatureEvent.Kind.INVALIDATED,
    SignatureState.WITHDRAWN: SignatureEvent.Kind.WITHDRAWN,
}


def _remove(signature: Signature, state: str, *, actor=None, reason: str = "") -> bool:
    """Move the signature to `state`; True when it was counted and no longer is."""
    now = timezone.now()
    with transaction.atomic():
        was_counted = Signature.objects.filter(
            pk=signature.pk, state=SignatureState.CONFIRMED
        ).update(state=state)
        if was_counted:
            add_to_count(signature.petition_id, -1)
            SignatureEvent.objects.create(
                petition_id=signature.petition_id,
                signature_id=signature.pk,
                kind=_EVENT[state],
                at=now,
            )
        changed = was_counted or Signature.objects.filter(
            pk=signature.pk, state__in=[SignatureState.PENDING, SignatureState.FLAGGED]
        ).update(state=state)
        if changed and actor is not None:
            record(
                f"signature.{state}",
                actor=actor,
                petition=signature.petition,
                reason=reason,
                signature=signature.pk,
            )
    signature.state = state
    return bool(was_counted)


def invalidate(signature: Signature, *, actor, reason: str) -> bool:
    return _remove(signature, SignatureState.INVALIDATED, actor=actor, reason=reason)


def withdraw(signature: Signature) -> bool:
    """The signer takes their signature back; nothing about them is logged."""
    return _remove(signature, SignatureState.WITHDRAWN)
