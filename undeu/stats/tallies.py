"""Reading the tallies: what the charts, the maps and the API show.

Every read is an index lookup of a bounded number of rows of the tallies (never of the
signatures), so a page costs the same at 10 million signatures as at 1,000. The tallies are at
most about UNDEU_TALLY_SECONDS behind the count (tallying.py keeps them).

Hours are kept in UTC; days are made from them at read time in the current time zone
(settings.TIME_ZONE, Asia/Almaty), each hour in the day its start falls in.
"""

import datetime
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from undeu.petitions.models import PUBLIC_STATES, Outcome, Petition
from undeu.stats.models import Dimension, SiteTally, Tally

UNITS = ("hour", "day")
# The most buckets over_time() returns: a week of hours, a year of days.
MAX_BUCKETS = {"hour": 24 * 7, "day": 366}
# How many days of the instance's signatures site_totals() carries.
SITE_DAYS = 90
_KEY_FORMAT = "%Y-%m-%dT%H"
_SITE_CACHE_KEY = "stats:site"


def by_country(petition_id: int) -> dict[str, int]:
    """Counted signatures by the signer's country (ISO 3166-1 alpha-2), most first."""
    return _counts(_of_petition(petition_id, Dimension.COUNTRY))


def by_region(petition_id: int) -> dict[str, int]:
    """Counted signatures by region of Kazakhstan (ISO 3166-2:KZ), most first; signatures
    without a region are not in it."""
    return _counts(_of_petition(petition_id, Dimension.REGION))


def over_time(
    petition_id: int, unit: str, *, buckets: int | None = None
) -> list[tuple[datetime.datetime, int]]:
    """Counted signatures by hour or day of confirmation: (start of the bucket, an aware
    datetime in the current time zone; count), from the first bucket with signatures to the
    last, gaps filled with 0, at most MAX_BUCKETS[unit] (or `buckets`) of the latest."""
    limit = _limit(unit, buckets)
    rows = _latest_hours(_of_petition(petition_id, Dimension.HOUR), unit, limit)
    return series(rows, unit, limit)


def recent(petition_id: int, *, hours: int, days: int) -> tuple[list, list]:
    """over_time(petition_id, "hour", buckets=hours) and over_time(petition_id, "day",
    buckets=days) from one read of the index (the petition page shows both)."""
    rows = _latest_hours(_of_petition(petition_id, Dimension.HOUR), "day", _limit("day", days))
    return series(rows, "hour", _limit("hour", hours)), series(rows, "day", _limit("day", days))


def site_totals() -> dict:
    """The whole instance, for the statistics page: kept for UNDEU_STATS_CACHE_SECONDS.

    petitions: {state: how many}; victories; signatures (counted, on public petitions);
    countries (how many signers' countries); by_country, by_region (as above); per_day (as
    over_time, the last SITE_DAYS days); at (when it was read).
    """
    totals = cache.get(_SITE_CACHE_KEY)
    if totals is None:
        totals = read_site_totals()
        cache.set(_SITE_CACHE_KEY, totals, timeout=settings.UNDEU_STATS_CACHE_SECONDS)
    return totals


def read_site_totals() -> dict:
    hidden = _hidden_petitions()
    countries = _site_counts(Dimension.COUNTRY, hidden)
    by_state = Petition.objects.order_by().values("state").annotate(n=Count("pk"))
    petitions = {row["state"]: row["n"] for row in by_state}
    victories = Petition.objects.filter(state__in=PUBLIC_STATES, outcome=Outcome.VICTORY).count()
    return {
        "petitions": petitions,
        "victories": victories,
        "signatures": sum(countries.values()),
        "countries": len(countries),
        "by_country": countries,
        "by_region": _site_counts(Dimension.REGION, hidden),
        "per_day": _site_days(hidden),
        "at": timezone.now(),
    }


# --- Reading rows ---------------------------------------------------------------------------


def _of_petition(petition_id: int, dimension: str):
    return Tally.objects.filter(petition_id=petition_id, dimension=dimension, count__gt=0)


def _counts(rows) -> dict[str, int]:
    return dict(rows.order_by("-count", "key").values_list("key", "count"))


def _limit(unit: str, buckets: int | None) -> int:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    return max(1, min(buckets or MAX_BUCKETS[unit], MAX_BUCKETS[unit]))


def _latest_hours(rows, unit: str, limit: int) -> list[tuple[str, int]]:
    """The latest hours with signatures, enough of them for `limit` buckets: read backwards
    along the index, so at most that many rows. (For days, two days more than `limit` days of
    hours: whatever a day of the time zone starts with, the days kept are then whole.)"""
    hours = limit if unit == "hour" else (limit + 2) * 24
    return list(rows.order_by("-key").values_list("key", "count")[:hours])


def _hidden_petitions() -> list[int]:
    """Petitions once public and no longer (taken down, or back in review): their signatures
    are in the instance's tallies, and left out of what is shown."""
    return list(
        Petition.objects.exclude(state__in=PUBLIC_STATES)
        .filter(published_at__isnull=False)
        .values_list("pk", flat=True)
    )


def _site_rows(dimension: str, hidden: list[int], *, since: str = "") -> Counter:
    site = SiteTally.objects.filter(dimension=dimension, key__gte=since)
    counts = Counter(dict(site.values_list("key", "count")))
    if hidden:
        taken_down = Tally.objects.filter(
            petition_id__in=hidden, dimension=dimension, key__gte=since
        ).values_list("key", "count")
        for key, count in taken_down:
            counts[key] -= count
    return Counter({key: count for key, count in counts.items() if count > 0})


def _site_counts(dimension: str, hidden: list[int]) -> dict[str, int]:
    counts = _site_rows(dimension, hidden)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _site_days(hidden: list[int]) -> list[tuple[datetime.datetime, int]]:
    since = timezone.now() - datetime.timedelta(days=SITE_DAYS + 2)
    counts = _site_rows(Dimension.HOUR, hidden, since=since.strftime(_KEY_FORMAT))
    return series(sorted(counts.items(), reverse=True), "day", SITE_DAYS)


# --- Making a series ------------------------------------------------------------------------


def series(
    rows: Iterable[tuple[str, int]], unit: str, limit: int
) -> list[tuple[datetime.datetime, int]]:
    """Hour tallies (key, count) as a series of hours or days of the current time zone, gaps
    filled with 0, the latest `limit` buckets."""
    hours = Counter()
    for key, count in rows:
        try:
            start = datetime.datetime.strptime(key, _KEY_FORMAT).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
        if count > 0:
            hours[start] += count
    if not hours:
        return []
    zone = timezone.get_current_timezone()
    if unit == "hour":
        last = max(hours)
        first = max(min(hours), last - datetime.timedelta(hours=limit - 1))
        steps = int((last - first) / datetime.timedelta(hours=1)) + 1
        every = (first + datetime.timedelta(hours=i) for i in range(steps))
        return [(hour.astimezone(zone), hours.get(hour, 0)) for hour in every]
    days = Counter()
    for hour, count in hours.items():
        days[hour.astimezone(zone).date()] += count
    last_day = max(days)
    first_day = max(min(days), last_day - datetime.timedelta(days=limit - 1))
    span = (last_day - first_day).days + 1
    return [
        (_midnight(day, zone), days.get(day, 0))
        for day in (first_day + datetime.timedelta(days=i) for i in range(span))
    ]


def _midnight(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
