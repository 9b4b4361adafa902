"""Bulk actions: invalidating (or accepting) every signature of a petition that matches a
moderator's criteria, in the background, with progress, a cancel button and undo.

An action walks the matching signatures in order of id, up to the last one that existed when it
started (what the preview showed), UNDEU_BULK_BATCH at a time. Each batch is one transaction:
lock the action row, check it is still at the cursor this task was given (else a duplicate
task did the batch and this one stops) and not cancelled, move the batch's signatures through
`transitions` (so the count, the goals and the thresholds follow), record each one changed as
an item, and advance the cursor; after commit it enqueues the next batch. Undo walks the items
the same way and moves each signature back, if it is still where the action put it (a signature
its signer withdrew since stays withdrawn). A chain whose task was lost is resumed by a periodic
job. Starting, cancelling, finishing and undoing are audit-logged.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from undeu.audit.log import record
from undeu.defence.criteria import count_matching, matching, name_matcher
from undeu.defence.models import BulkAction, BulkActionItem
from undeu.petitions.models import Petition
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.transitions import accept_flagged, move

logger = logging.getLogger(__name__)

S = SignatureState
# Which signatures each kind of action can change.
STATES = {
    BulkAction.Kind.INVALIDATE: (S.PENDING, S.CONFIRMED, S.FLAGGED),
    BulkAction.Kind.ACCEPT: (S.FLAGGED,),
}
STALL = timedelta(minutes=2)


def preview(petition: Petition, kind: str, criteria: dict) -> dict:
    return count_matching(petition.pk, criteria, states=STATES[kind])


def start(petition: Petition, kind: str, criteria: dict, *, actor, reason: str) -> BulkAction:
    """Create the action and enqueue its first batch after commit."""
    with transaction.atomic():
        last_id = Signature.objects.filter(petition=petition).aggregate(last=Max("id"))["last"]
        expected = count_matching(petition.pk, criteria, states=STATES[kind], until_id=last_id)
        action = BulkAction.objects.create(
            petition=petition,
            kind=kind,
            criteria=criteria,
            reason=reason,
            created_by=actor,
            until_signature_id=last_id or 0,
            expected=expected["total"],
        )
        record(
            f"bulk.{kind}",
            actor=actor,
            petition=petition,
            reason=reason,
            bulk_action=action.pk,
            criteria=criteria,
            expected=expected["total"],
        )
        transaction.on_commit(lambda: enqueue(action.pk, 0))
    return action


def enqueue(action_id: int, cursor: int, *, undo: bool = False) -> None:
    from undeu.defence.tasks import run_bulk_batch, undo_bulk_batch

    try:
        (undo_bulk_batch if undo else run_bulk_batch).enqueue(action_id, cursor)
    except Exception:
        logger.exception("could not enqueue bulk action %s; it will be resumed", action_id)


def run_batch(action_id: int, after: int) -> bool:
    """Do the batch after signature `after`; False when there was nothing (more) to do here."""
    now = timezone.now()
    with transaction.atomic():
        action = BulkAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None or action.state != BulkAction.State.RUNNING or action.cursor != after:
            return False
        if action.cancel_requested:
            _finish(action, BulkAction.State.CANCELLED, now)
            return False
        candidates = list(
            matching(action.petition_id, action.criteria, states=STATES[action.kind])
            .filter(pk__gt=after, pk__lte=action.until_signature_id)
            .order_by("pk")
            .values_list("pk", "full_name")[: settings.UNDEU_BULK_BATCH]
        )
        if not candidates:
            _finish(action, BulkAction.State.DONE, now)
            return False
        if action.criteria.get("name"):
            matches = name_matcher(action.criteria["name"])
            chosen = [pk for pk, name in candidates if matches(name)]
        else:
            chosen = [pk for pk, _name in candidates]
        items = _apply(action, chosen)
        BulkActionItem.objects.bulk_create(items)
        action.cursor = candidates[-1][0]
        action.examined += len(candidates)
        action.changed += len(items)
        action.count_change += _count_change(items)
        action.progressed_at = now
        action.save(
            update_fields=["cursor", "examined", "changed", "count_change", "progressed_at"]
        )
        transaction.on_commit(lambda: enqueue(action_id, action.cursor))
    return True


def _apply(action: BulkAction, ids: list[int]) -> list[BulkActionItem]:
    if action.kind == BulkAction.Kind.ACCEPT:
        moved = accept_flagged(action.petition_id, ids)
        return [
            BulkActionItem(action=action, signature_id=pk, previous_state=S.FLAGGED, new_state=new)
            for pk, new in moved
        ]
    moved = move(action.petition_id, ids, to_state=S.INVALIDATED, from_states=STATES[action.kind])
    return [
        BulkActionItem(
            action=action, signature_id=pk, previous_state=previous, new_state=S.INVALIDATED
        )
        for pk, previous in moved
    ]


def _count_change(items) -> int:
    return sum(
        (item.new_state == S.CONFIRMED) - (item.previous_state == S.CONFIRMED) for item in items
    )


def _finish(action: BulkAction, state: str, now) -> None:
    action.state, action.finished_at, action.progressed_at = state, now, now
    action.save(update_fields=["state", "finished_at", "progressed_at"])
    record(
        f"bulk.{state}",
        petition=action.petition,
        bulk_action=action.pk,
        changed=action.changed,
        count_change=action.count_change,
    )


def cancel(action: BulkAction, *, actor) -> bool:
    """Ask a running action to stop after its current batch; True if it was running."""
    with transaction.atomic():
        asked = BulkAction.objects.filter(
            pk=action.pk, state=BulkAction.State.RUNNING, cancel_requested=False
        ).update(cancel_requested=True)
        if asked:
            record("bulk.cancel", actor=actor, petition=action.petition, bulk_action=action.pk)
    return bool(asked)


def undo(action: BulkAction, *, actor) -> bool:
    """Start undoing a finished or cancelled action; True if it could be."""
    with transaction.atomic():
        started = BulkAction.objects.filter(
            pk=action.pk, state__in=[BulkAction.State.DONE, BulkAction.State.CANCELLED]
        ).update(state=BulkAction.State.UNDOING, undone_by=actor, progressed_at=timezone.now())
        if started:
            record("bulk.undo", actor=actor, petition=action.petition, bulk_action=action.pk)
            transaction.on_commit(lambda: enqueue(action.pk, 0, undo=True))
    return bool(started)


def undo_batch(action_id: int, after: int) -> bool:
    """Move back the items after item `after`; False when there was nothing (more) to do."""
    now = timezone.now()
    with transaction.atomic():
        action = BulkAction.objects.select_for_update().filter(pk=action_id).first()
        if (
            action is None
            or action.state != BulkAction.State.UNDOING
            or action.undo_cursor != after
        ):
            return False
        items = list(
            action.items.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "signature_id", "previous_state", "new_state")[
                : settings.UNDEU_BULK_BATCH
            ]
        )
        if not items:
            action.state, action.progressed_at = BulkAction.State.UNDONE, now
            action.save(update_fields=["state", "progressed_at"])
            record("bulk.undone", petition=action.petition, bulk_action=action.pk)
            return False
        groups: dict[tuple[str, str], list[int]] = {}
        for _pk, signature_id, previous, new in items:
            groups.setdefault((new, previous), []).append(signature_id)
        for (new, previous), ids in groups.items():
            moved = move(action.petition_id, ids, to_state=previous, from_states=[new])
            action.restored += len(moved)
        action.undo_cursor = items[-1][0]
        action.progressed_at = now
        action.save(update_fields=["undo_cursor", "restored", "progressed_at"])
        transaction.on_commit(lambda: enqueue(action_id, action.undo_cursor, undo=True))
    return True


def resume_stalled() -> int:
    """Re-enqueue actions whose next batch was never enqueued (a periodic job)."""
    now = timezone.now()
    resumed = 0
    stalled = BulkAction.objects.filter(
        state__in=[BulkAction.State.RUNNING, BulkAction.State.UNDOING],
        progressed_at__lt=now - STALL,
    )
    for action_id, state, cursor, undo_cursor, progressed_at in stalled.values_list(
        "pk", "state", "cursor", "undo_cursor", "progressed_at"
    )[:100]:
        if BulkAction.objects.filter(pk=action_id, progressed_at=progressed_at).update(
            progressed_at=now
        ):
            undoing = state == BulkAction.State.UNDOING
            enqueue(action_id, undo_cursor if undoing else cursor, undo=undoing)
            resumed += 1
    return resumed
