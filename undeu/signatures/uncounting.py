"""Taking a signature out of the count: a moderator invalidates it, or its signer withdraws it.

The move goes through `transitions.move`, so the count changes exactly when the signature leaves
the confirmed state; a pending or flagged signature simply stops being confirmable.
"""

from django.db import transaction

from undeu.audit.log import record
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.transitions import move

S = SignatureState


def _remove(signature: Signature, state: str, *, actor=None, reason: str = "") -> bool:
    """Move the signature to `state`; True when it was counted and no longer is."""
    with transaction.atomic():
        moved = move(
            signature.petition_id,
            [signature.pk],
            to_state=state,
            from_states=[S.CONFIRMED, S.PENDING, S.FLAGGED],
        )
        if moved and actor is not None:
            record(
                f"signature.{state}",
                actor=actor,
                petition=signature.petition,
                reason=reason,
                signature=signature.pk,
            )
    signature.state = state
    return any(previous == S.CONFIRMED for _pk, previous in moved)


def invalidate(signature: Signature, *, actor, reason: str) -> bool:
    return _remove(signature, S.INVALIDATED, actor=actor, reason=reason)


def withdraw(signature: Signature) -> bool:
    """The signer takes their signature back; nothing about them is logged."""
    return _remove(signature, S.WITHDRAWN)
