"""Thresholds: signature counts at which something is promised (UNDEU_THRESHOLDS), such as a
response from the targets at 50,000.

What a page shows is derived from the current count every time, so when invalidated signatures
drop the count below a threshold the page reverts by itself. A periodic job keeps the dates in
ThresholdReached and audit-logs each crossing, in both directions.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undeu.audit.log import record
from undeu.core.l10n import localised_number
from undeu.delivery.models import ThresholdReached
from undeu.petitions.models import PUBLIC_STATES, Petition
from undeu.signatures.models import CountShard


@dataclass(frozen=True)
class Threshold:
    signatures: int
    name: str

    @property
    def label(self) -> str:
        """What the threshold brings, in the active language."""
        if self.name == "response":
            return _("A response from the targets")
        if self.name == "debate":
            return _("Considered for a debate")
        return _("Threshold “%(name)s”") % {"name": self.name}

    @property
    def state_text(self) -> str:
        """What a petition that reached it is waiting for, in the active language."""
        if self.name == "response":
            return _("Awaiting a response from the targets")
        if self.name == "debate":
            return _("Awaiting a debate")
        return _("Reached the threshold “%(name)s”") % {"name": self.name}

    @property
    def needed_text(self) -> str:
        return ngettext("%(count)s signature", "%(count)s signatures", self.signatures) % {
            "count": localised_number(self.signatures)
        }


def configured() -> list[Threshold]:
    return [Threshold(count, name) for count, name in settings.UNDEU_THRESHOLDS]


def threshold_context(petition: Petition, count: int) -> dict:
    """The thresholds with reached / not yet, and the state the highest reached one gives the
    page (none once an outcome is recorded: the outcome says more)."""
    thresholds = [(threshold, count >= threshold.signatures) for threshold in configured()]
    reached = [threshold for threshold, is_reached in thresholds if is_reached]
    state = reached[-1].state_text if reached and not petition.outcome else ""
    return {"thresholds": thresholds, "threshold_state": state}


def _counts() -> dict[int, int]:
    """The count of every public petition, from the count shards in one query."""
    rows = (
        CountShard.objects.filter(petition__state__in=PUBLIC_STATES)
        .values("petition_id")
        .annotate(total=Sum("value"))
    )
    return {row["petition_id"]: max(0, row["total"] or 0) for row in rows}


def record_thresholds() -> int:
    """Write when public petitions reach or fall below a threshold (a periodic job).

    Safe to run in several workers at once: reaching is an insert the partial unique
    constraint lets only one worker make, falling below a conditional UPDATE. Returns the
    number of crossings recorded.
    """
    thresholds = configured()
    if not thresholds:
        return 0
    counts = _counts()
    standing = {
        (row.petition_id, row.name): row
        for row in ThresholdReached.objects.filter(
            reverted_at=None, petition__state__in=PUBLIC_STATES
        )
    }
    crossings = 0
    for threshold in thresholds:
        for petition_id, count in counts.items():
            if count >= threshold.signatures and (petition_id, threshold.name) not in standing:
                crossings += _reached(petition_id, threshold, count)
        for (petition_id, name), row in standing.items():
            if name == threshold.name and counts.get(petition_id, 0) < threshold.signatures:
                crossings += _fell_below(row, threshold, counts.get(petition_id, 0))
    return crossings


def _reached(petition_id: int, threshold: Threshold, count: int) -> int:
    now = timezone.now()
    try:
        with transaction.atomic():
            ThresholdReached.objects.create(
                petition_id=petition_id,
                name=threshold.name,
                signatures=threshold.signatures,
                reached_at=now,
            )
            record(
                "petition.threshold_reached",
                petition=Petition(pk=petition_id),
                threshold=threshold.name,
                signatures_needed=threshold.signatures,
                count=count,
            )
    except IntegrityError:
        return 0  # another worker recorded it first
    return 1


def _fell_below(row: ThresholdReached, threshold: Threshold, count: int) -> int:
    with transaction.atomic():
        reverted = ThresholdReached.objects.filter(pk=row.pk, reverted_at=None).update(
            reverted_at=timezone.now()
        )
        if not reverted:
            return 0
        record(
            "petition.threshold_reverted",
            petition=Petition(pk=row.petition_id),
            threshold=threshold.name,
            signatures_needed=threshold.signatures,
            count=count,
        )
    return 1


def standing_thresholds(petition: Petition) -> dict[str, ThresholdReached]:
    """The dates the petition's standing thresholds were reached, for its starter's page."""
    return {
        row.name: row
        for row in ThresholdReached.objects.filter(petition=petition, reverted_at=None)
    }
