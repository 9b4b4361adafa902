"""A moderator's edit lock on a petition, so two moderators never review the same one at once.

The lock is two columns on the petition (`locked_by`, `locked_until`) taken with a conditional
UPDATE: it succeeds only if the petition is unlocked, its lock has expired, or the lock is
already the caller's. On PostgreSQL the second of two simultaneous UPDATEs waits for the first
to commit and then re-checks the condition, so exactly one wins; SQLite runs one writer at a
time. Nothing is held in process memory, so it works across many web processes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from undeu.petitions.models import Petition


def lock_duration() -> timedelta:
    return timedelta(minutes=settings.UNDEU_MODERATION_LOCK_MINUTES)


def _free_or_mine(moderator, now: datetime) -> Q:
    return (
        Q(locked_by__isnull=True)
        | Q(locked_until__isnull=True)
        | Q(locked_until__lte=now)
        | Q(locked_by=moderator)
    )


def claim(petition: Petition, moderator) -> bool:
    """Take (or renew) the lock for `moderator`. False when someone else holds it."""
    now = timezone.now()
    until = now + lock_duration()
    claimed = (
        Petition.objects.filter(pk=petition.pk)
        .filter(_free_or_mine(moderator, now))
        .update(locked_by=moderator, locked_until=until)
    )
    _refresh_lock(petition)
    return bool(claimed)


def renew_held(petition: Petition, moderator) -> bool:
    """Renew the lock only if `moderator` holds it and it has not expired.

    Called at the start of every moderation action, inside its transaction: on PostgreSQL the
    UPDATE also locks the row, so a second action on the same petition waits, then finds the
    lock released by the first and is refused.
    """
    now = timezone.now()
    renewed = Petition.objects.filter(
        pk=petition.pk, locked_by=moderator, locked_until__gt=now
    ).update(locked_until=now + lock_duration())
    return bool(renewed)


def release(petition: Petition, moderator) -> None:
    """Let go of the lock if `moderator` holds it (a moderator may leave without deciding)."""
    Petition.objects.filter(pk=petition.pk, locked_by=moderator).update(
        locked_by=None, locked_until=None
    )
    _refresh_lock(petition)


def _refresh_lock(petition: Petition) -> None:
    petition.refresh_from_db(fields=["locked_by", "locked_until"])


@dataclass(frozen=True)
class LockState:
    """Who is reviewing a petition now, for the queue and the review page."""

    holder: object | None
    until: datetime | None

    @property
    def is_locked(self) -> bool:
        return self.holder is not None

    def is_held_by(self, user) -> bool:
        return self.holder is not None and self.holder.pk == user.pk


def lock_state(petition: Petition, now: datetime | None = None) -> LockState:
    now = now or timezone.now()
    if petition.locked_by_id is None or not petition.locked_until or petition.locked_until <= now:
        return LockState(holder=None, until=None)
    return LockState(holder=petition.locked_by, until=petition.locked_until)
