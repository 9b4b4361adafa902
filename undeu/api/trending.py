"""Trending petitions: the open petitions with the most counted signatures confirmed in the last
24 hours.

Read from the hour tallies (stats/tallies.py's rows, kept by the worker from the signature
events), never from the signatures or the events: at most 24 rows per open petition, however
many signatures there are. A signature invalidated or withdrawn since leaves its hour's tally, so
the gains are net. The tallies are a few seconds behind the count, and the result is cached for
TRENDING_CACHE_SECONDS on top, so the query runs at most once a minute per cache (once for all
processes with Redis).
"""

from datetime import datetime

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from undeu.petitions.models import PetitionState
from undeu.stats.models import Dimension, Tally
from undeu.stats.tallying import hour_key

TRENDING_HOURS = 24
TRENDING_CACHE_SECONDS = 60
KEEP = 50  # the most a client can ask for
_CACHE_KEY = "api:trending"


def compute(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    # The current hour and the 23 before it.
    since = hour_key(now - timezone.timedelta(hours=TRENDING_HOURS - 1))
    rows = (
        Tally.objects.filter(
            petition__state=PetitionState.OPEN, dimension=Dimension.HOUR, key__gte=since
        )
        .values_list("petition_id")
        .annotate(gained=Sum("count"))
    )
    ranked = sorted(
        ((petition_id, gained) for petition_id, gained in rows if gained > 0),
        key=lambda item: (-item[1], item[0]),
    )[:KEEP]
    return {"computed_at": now, "gains": ranked}


def trending() -> dict:
    """{"computed_at": when, "gains": [(petition id, gained), ...]}, at most a minute old."""
    found = cache.get(_CACHE_KEY)
    if found is None:
        found = compute()
        cache.set(_CACHE_KEY, found, timeout=TRENDING_CACHE_SECONDS)
    return found
