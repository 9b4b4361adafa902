"""A petition's life: every change of state goes through `transition`.

A transition is a conditional UPDATE (only from the states it allows), so two people acting on
the same petition at once cannot both succeed, and it is audit-logged in the same transaction.

    draft ──submit──> submitted ──approve──> open ──close──> closed
                          │                   │                │
                        reject              take_down ──> removed
                          v
                       rejected ──restore──> submitted (removed ──restore──> submitted too)
"""

from django.db import transaction
from django.utils import timezone

from undeu.audit.log import record
from undeu.petitions import open_lookup
from undeu.petitions.models import Petition, PetitionState

S = PetitionState
TRANSITIONS = {
    "submit": ({S.DRAFT}, S.SUBMITTED),
    "approve": ({S.SUBMITTED}, S.OPEN),
    "reject": ({S.SUBMITTED}, S.REJECTED),
    "restore": ({S.REJECTED, S.REMOVED}, S.SUBMITTED),
    "take_down": ({S.OPEN, S.CLOSED}, S.REMOVED),
    "close": ({S.OPEN}, S.CLOSED),
}


class TransitionRefused(Exception):
    """The petition is not in a state this action applies to (or someone else acted first)."""


def transition(petition: Petition, action: str, *, actor=None, reason="", note="", **fields):
    sources, target = TRANSITIONS[action]
    with transaction.atomic():
        changed = Petition.objects.filter(pk=petition.pk, state__in=sources).update(
            state=target, **fields
        )
        if not changed:
            raise TransitionRefused(action)
        record(
            f"petition.{action}",
            actor=actor,
            petition=petition,
            reason=reason,
            note=note,
            previous_state=petition.state,
            state=target,
        )
        open_lookup.forget(petition.slug)
    petition.refresh_from_db()
    return petition


def close(petition: Petition, *, actor=None, reason="") -> Petition:
    return transition(petition, "close", actor=actor, reason=reason, closed_at=timezone.now())


def close_expired() -> int:
    """Close open petitions whose deadline has passed (a periodic job)."""
    closed = 0
    for petition in Petition.objects.open().filter(deadline__lte=timezone.now()):
        try:
            close(petition, reason="deadline")
        except TransitionRefused:
            continue  # closed meanwhile by its starter or another worker
        closed += 1
    return closed
