"""What the statistics show, gathered for the pages: a petition's charts and map, the small
chart on its page, the starter's dashboard and the whole instance's."""

from django.utils import timezone
from django.utils.translation import get_language

from undeu.core.l10n import country_name
from undeu.petitions.models import Petition, PetitionState
from undeu.stats import tallies
from undeu.stats.charts import RankedChart, TimeChart, ranked_bars, time_chart, window
from undeu.stats.tilemap import RegionMap, region_map

HOURS_SHOWN = 48
DAYS_SHOWN = 90
# The petition page's own charts: small, since that page is the one a surge reads on slow phones.
SUMMARY_HOURS = 24
SUMMARY_DAYS = 14
COUNTRIES_SHOWN = 10
# The states the statistics page counts petitions in (drafts are their starters' own business).
STATES_SHOWN = [
    PetitionState.OPEN,
    PetitionState.CLOSED,
    PetitionState.SUBMITTED,
    PetitionState.REJECTED,
    PetitionState.REMOVED,
]


def _until(petition: Petition):
    """Charts run up to now, or to the moment a closed petition closed."""
    if petition.state == PetitionState.CLOSED and petition.closed_at:
        return petition.closed_at
    return timezone.now()


def hours_chart(petition: Petition, *, chart_id: str) -> TimeChart:
    series = tallies.over_time(petition.pk, "hour", buckets=HOURS_SHOWN)
    shown = window(
        series, "hour", end=_until(petition), start=petition.published_at, buckets=HOURS_SHOWN
    )
    return time_chart(shown, "hour", chart_id=chart_id)


def days_chart(
    petition: Petition, *, chart_id: str, days: int = DAYS_SHOWN, compact: bool = False
) -> TimeChart:
    series = tallies.over_time(petition.pk, "day", buckets=days)
    shown = window(series, "day", end=_until(petition), start=petition.published_at, buckets=days)
    return time_chart(shown, "day", chart_id=chart_id, compact=compact)


def countries_chart(counts: dict[str, int], *, chart_id: str) -> RankedChart:
    return ranked_bars(counts, name=country_name, chart_id=chart_id, top=COUNTRIES_SHOWN)


def regions_map(counts: dict[str, int], *, chart_id: str) -> RegionMap:
    return region_map(counts, get_language() or "en", chart_id=chart_id)


def petition_charts(petition: Petition) -> dict:
    """Everything on a petition's statistics page."""
    return {
        "hours": hours_chart(petition, chart_id="hours"),
        "days": days_chart(petition, chart_id="days"),
        "countries": countries_chart(tallies.by_country(petition.pk), chart_id="countries"),
        "regions": regions_map(tallies.by_region(petition.pk), chart_id="regions"),
    }


def petition_summary(petition: Petition) -> list[TimeChart]:
    """The small charts on the petition page: signatures per hour over the last day and per day
    over the last two weeks; none before the first signature (the page already says there are
    none)."""
    hours, days = tallies.recent(petition.pk, hours=SUMMARY_HOURS, days=SUMMARY_DAYS)
    if not days:
        return []
    end = _until(petition)
    shown_hours = window(hours, "hour", end=end, start=petition.published_at, buckets=SUMMARY_HOURS)
    shown_days = window(days, "day", end=end, start=petition.published_at, buckets=SUMMARY_DAYS)
    return [
        time_chart(shown_hours, "hour", chart_id="summary-hours", compact=True),
        time_chart(shown_days, "day", chart_id="summary-days", compact=True),
    ]


def site_charts() -> dict:
    """Everything on the instance's statistics page, from the cached totals."""
    totals = tallies.site_totals()
    days = window(totals["per_day"], "day", end=timezone.now(), buckets=tallies.SITE_DAYS)
    by_state = totals["petitions"]
    return {
        "totals": totals,
        "states": [(state.label, by_state.get(state.value, 0)) for state in STATES_SHOWN],
        "days": time_chart(days, "day", chart_id="site-days"),
        "countries": countries_chart(totals["by_country"], chart_id="site-countries"),
        "regions": regions_map(totals["by_region"], chart_id="site-regions"),
    }
