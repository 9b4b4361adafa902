"""Moving signatures between states, with the count following in the same transaction.

Only a confirmed signature is in the count. Every move into or out of the confirmed state (a
moderator invalidating, a signer withdrawing, a moderator accepting a flagged signature, undoing
a bulk invalidation) goes through `move`, which locks the rows it moves, adds their difference
to the count and appends one event per signature that entered or left it, all in the caller's
transaction. Two moves racing on one signature can therefore never count it twice: the second
finds it no longer in a state it moves from.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from undeu.signatures.counting import add_to_count
from undeu.signatures.models import Signature, SignatureEvent, SignatureState

S = SignatureState
Kind = SignatureEvent.Kind

# The event for a signature entering the count, by where it comes from. One leaving it was
# withdrawn by its signer, or else taken out by a moderator (invalidated, or an acceptance
# undone).
_ENTERING = {S.FLAGGED: Kind.ACCEPTED, S.INVALIDATED: Kind.REINSTATED, S.PENDING: Kind.CONFIRMED}


def move(
    petition_id: int, ids: Iterable[int], *, to_state: str, from_states: Iterable[str]
) -> list[tuple[int, str]]:
    """Move those of `ids` (signatures of one petition) that are in one of `from_states` to
    `to_state`; returns the (id, previous state) of each signature moved."""
    from_states = [state for state in from_states if state != to_state]
    now = timezone.now()
    with transaction.atomic():
        moved = list(
            Signature.objects.select_for_update()
            .filter(petition_id=petition_id, pk__in=list(ids), state__in=from_states)
            .order_by("pk")
            .values_list("pk", "state")
        )
        if not moved:
            return []
        Signature.objects.filter(pk__in=[pk for pk, _state in moved]).update(state=to_state)
        if to_state == S.CONFIRMED:
            events = [(pk, _ENTERING[state]) for pk, state in moved]
        else:
            kind = Kind.WITHDRAWN if to_state == S.WITHDRAWN else Kind.INVALIDATED
            events = [(pk, kind) for pk, state in moved if state == S.CONFIRMED]
        if events:
            delta = len(events) if to_state == S.CONFIRMED else -len(events)
            add_to_count(petition_id, delta)
            SignatureEvent.objects.bulk_create(
                SignatureEvent(petition_id=petition_id, signature_id=pk, kind=kind, at=now)
                for pk, kind in events
            )
    return moved


def accept_flagged(petition_id: int, ids: Iterable[int]) -> list[tuple[int, str]]:
    """A moderator accepts flagged signatures: counted if the signer confirmed, else back to
    awaiting confirmation (and counted when they do). Returns the (id, new state) of each."""
    ids = list(ids)
    with transaction.atomic():
        # Locked, so a signer confirming meanwhile cannot be sent back to awaiting confirmation.
        flagged = (
            Signature.objects.select_for_update()
            .filter(petition_id=petition_id, pk__in=ids, state=S.FLAGGED)
            .values_list("pk", "confirmed_at")
        )
        confirmed = [pk for pk, confirmed_at in flagged if confirmed_at is not None]
        unconfirmed = [pk for pk, confirmed_at in flagged if confirmed_at is None]
        counted = move(petition_id, confirmed, to_state=S.CONFIRMED, from_states=[S.FLAGGED])
        waiting = move(petition_id, unconfirmed, to_state=S.PENDING, from_states=[S.FLAGGED])
    return [(pk, S.CONFIRMED) for pk, _was in counted] + [(pk, S.PENDING) for pk, _was in waiting]
