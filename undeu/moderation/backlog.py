"""How long the review queue is, for an honest notice on public pages.

One aggregate query, cached for a minute: the home page is public and cached, and the notice
need not be more precise than "about N days".
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from undeu.petitions.models import Petition, PetitionState

CACHE_KEY = "moderation:backlog"
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Backlog:
    waiting: int
    oldest_submitted_at: datetime | None
    now: datetime

    @property
    def oldest_wait(self) -> timedelta:
        if self.oldest_submitted_at is None:
            return timedelta(0)
        return max(self.now - self.oldest_submitted_at, timedelta(0))

    @property
    def review_days(self) -> int:
        """The oldest wait in whole days, rounded up: what a starter should expect at most."""
        return max(1, math.ceil(self.oldest_wait / timedelta(days=1)))

    @property
    def is_long(self) -> bool:
        return self.waiting > 0 and (
            self.oldest_wait > timedelta(days=settings.UNDEU_BACKLOG_NOTICE_DAYS)
            or self.waiting > settings.UNDEU_BACKLOG_NOTICE_QUEUE
        )


def waiting_since():
    """When a petition joined the queue: its submission, or its creation if that is unknown."""
    return Coalesce("submitted_at", "created_at")


def review_backlog(*, use_cache: bool = True) -> Backlog:
    """The number of petitions waiting for review and when the oldest of them was submitted."""
    if use_cache:
        cached = cache.get(CACHE_KEY)
        if cached is not None:
            return cached
    numbers = Petition.objects.filter(state=PetitionState.SUBMITTED).aggregate(
        waiting=Count("pk"), oldest=Min(waiting_since())
    )
    backlog = Backlog(
        waiting=numbers["waiting"], oldest_submitted_at=numbers["oldest"], now=timezone.now()
    )
    cache.set(CACHE_KEY, backlog, CACHE_SECONDS)
    return backlog
