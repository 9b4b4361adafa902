"""Trending petitions: the open petitions that gained the most confirmed signatures in the last
24 hours, net of invalidations and withdrawals.

Read from the append-only SignatureEvent log, never from the signatures: the first event of the
window is found by a binary search over the primary key (events are appended in time order), so
finding it costs about 25 index lookups at 10 million events, and only the window's events are
grouped. The result is cached for TRENDING_CACHE_SECONDS, so that grouping runs at most once a
minute per cache (once for all processes with Redis), whatever the traffic.
"""

from datetime import datetime

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from undeu.petitions.models import PetitionState
from undeu.signatures.models import SignatureEvent

TRENDING_HOURS = 24
TRENDING_CACHE_SECONDS = 60
KEEP = 50  # the most a client can ask for
_CACHE_KEY = "api:trending"
_GAINS = {
    SignatureEvent.Kind.CONFIRMED: 1,
    SignatureEvent.Kind.ACCEPTED: 1,
    SignatureEvent.Kind.REINSTATED: 1,
    SignatureEvent.Kind.INVALIDATED: -1,
    SignatureEvent.Kind.WITHDRAWN: -1,
}


def first_event_since(since: datetime) -> int | None:
    """The id of the first event at or after `since`, or None when there is none."""
    events = SignatureEvent.objects.order_by("id").values_list("id", "at")
    first, last = events.first(), events.order_by("-id").first()
    if last is None or last[1] < since:
        return None
    if first[1] >= since:
        return first[0]

    def starts_window(bound: int) -> bool:
        # The first event with an id of at least `bound` is inside the window. Ids have gaps
        # (rolled-back transactions), so this looks at the next existing one.
        return events.filter(id__gte=bound).first()[1] >= since

    low, high = first[0], last[0]  # starts_window(low) is false, starts_window(high) true
    while high - low > 1:
        middle = (low + high) // 2
        if starts_window(middle):
            high = middle
        else:
            low = middle
    return events.filter(id__gte=high).first()[0]


def compute(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    start = first_event_since(now - timezone.timedelta(hours=TRENDING_HOURS))
    gains: dict[int, int] = {}
    if start is not None:
        rows = (
            SignatureEvent.objects.filter(id__gte=start, petition__state=PetitionState.OPEN)
            .values_list("petition_id", "kind")
            .annotate(n=Count("id"))
        )
        for petition_id, kind, n in rows:
            gains[petition_id] = gains.get(petition_id, 0) + _GAINS.get(kind, 0) * n
    ranked = sorted(
        ((petition_id, gained) for petition_id, gained in gains.items() if gained > 0),
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
