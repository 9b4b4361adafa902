"""Bar charts in SVG, drawn on the server: no script, nothing from elsewhere, no inline style.

This module does the arithmetic and the words; the templates (stats/_time_chart.html,
stats/_ranked_bars.html) draw it, each chart with a title and a description for screen readers
and a table with the same numbers. Coordinates are strings: a float in a template would take the
reader's decimal comma.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undeu.core.l10n import localised_date, localised_hour, localised_number, localised_short_date

WIDTH = 600
HEIGHT = 200
COMPACT_WIDTH = 320
COMPACT_HEIGHT = 80
TOP = 16  # room for the label of the highest bar
BOTTOM = 24  # room for the first and last dates
LEFT = 4
GAP = 2
MAX_SLOT = 40
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

Series = list[tuple[datetime.datetime, int]]


def number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- Signatures over time -------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    at: datetime.datetime  # the start of the hour or day
    count: int
    label: str  # the hour or day in the reader's language, for the table
    iso: str  # the same for machines (data-at): a date, or a time with its offset
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True)
class TimeChart:
    id: str
    title: str
    description: str
    column: str  # the table's heading for the hours or days
    bars: list[Bar]
    width: int
    height: int
    peak_label: str
    first_label: str
    last_label: str
    last_x: str  # where the last bar ends: the last label's right edge

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(bar.label, bar.count) for bar in self.bars]


def bucket_start(moment: datetime.datetime, unit: str) -> datetime.datetime:
    """The start of the hour (UTC hours, as the tallies keep them) or the day (in the current
    time zone) that `moment` falls in."""
    if unit == "hour":
        return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    day = timezone.localdate(moment)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def window(
    series: Series,
    unit: str,
    *,
    end: datetime.datetime,
    buckets: int,
    start: datetime.datetime | None = None,
) -> Series:
    """The `buckets` hours or days up to `end` (or from `start`, if later), with the counts of
    `series` and 0 where it has none; `end` moves later to the series' last bucket."""
    last = bucket_start(end, unit)
    if series:
        last = max(last, series[-1][0])
    if unit == "hour":
        first = last - HOUR * (buckets - 1)
        if start is not None:
            first = min(last, max(first, bucket_start(start, unit)))
        starts = [first + HOUR * i for i in range(int((last - first) / HOUR) + 1)]
    else:
        last_day = timezone.localdate(last)
        first_day = last_day - DAY * (buckets - 1)
        if start is not None:
            first_day = min(last_day, max(first_day, timezone.localdate(start)))
        zone = timezone.get_current_timezone()
        starts = [
            datetime.datetime.combine(first_day + DAY * i, datetime.time(), tzinfo=zone)
            for i in range((last_day - first_day).days + 1)
        ]
    counts = dict(series)
    return [(at, counts.get(at, 0)) for at in starts]


def time_chart(series: Series, unit: str, *, chart_id: str, compact: bool = False) -> TimeChart:
    """One bar per hour or day; the tallest bar fills the height."""
    width, height = (COMPACT_WIDTH, COMPACT_HEIGHT) if compact else (WIDTH, HEIGHT)
    peak = max((count for _at, count in series), default=0)
    plot_height = height - TOP - BOTTOM
    # A few days make a few narrow bars from the left, not a few slabs across the chart.
    slot = min(MAX_SLOT, (width - LEFT * 2) / max(1, len(series)))
    label = localised_hour if unit == "hour" else localised_date
    bars = []
    for index, (at, count) in enumerate(series):
        bar_height = plot_height * count / peak if peak else 0
        local = timezone.localtime(at)
        bars.append(
            Bar(
                at=at,
                count=count,
                label=label(at),
                iso=local.isoformat() if unit == "hour" else local.date().isoformat(),
                x=number(LEFT + index * slot + GAP / 2),
                y=number(height - BOTTOM - bar_height),
                width=number(max(1.0, slot - GAP)),
                height=number(bar_height),
            )
        )
    axis = localised_hour if unit == "hour" else localised_short_date
    return TimeChart(
        last_x=number(LEFT + len(series) * slot),
        id=chart_id,
        title=_("Signatures per hour") if unit == "hour" else _("Signatures per day"),
        description=_describe_time(series, unit, peak),
        column=_("Hour") if unit == "hour" else _("Day"),
        bars=bars,
        width=width,
        height=height,
        peak_label=localised_number(peak),
        first_label=axis(series[0][0]) if series else "",
        last_label=axis(series[-1][0]) if len(series) > 1 else "",
    )


def _describe_time(series: Series, unit: str, peak: int) -> str:
    if not series:
        return _("No signatures yet.")
    label = localised_hour if unit == "hour" else localised_date
    total = sum(count for _at, count in series)
    span = _("From %(first)s to %(last)s:") % {
        "first": label(series[0][0]),
        "last": label(series[-1][0]),
    }
    counted = ngettext(
        "%(total)s confirmed signature in all.",
        "%(total)s confirmed signatures in all.",
        total,
    ) % {"total": localised_number(total)}
    if not peak:
        return f"{span} {counted}"
    peak_at = next(at for at, count in series if count == peak)
    if unit == "hour":
        most = ngettext(
            "The most in the hour from %(hour)s: %(count)s signature.",
            "The most in the hour from %(hour)s: %(count)s signatures.",
            peak,
        ) % {"hour": localised_hour(peak_at), "count": localised_number(peak)}
    else:
        most = ngettext(
            "The most on %(day)s: %(count)s signature.",
            "The most on %(day)s: %(count)s signatures.",
            peak,
        ) % {"day": localised_date(peak_at), "count": localised_number(peak)}
    return f"{span} {counted} {most}"


# --- Ranked bars ----------------------------------------------------------------------------

ROW_HEIGHT = 30
VALUE_ROOM = 72  # right of the longest bar, for its number


@dataclass(frozen=True)
class RankedRow:
    key: str  # the code ("KZ"), or "" for the others together
    label: str
    count: int
    count_label: str
    text_y: str
    bar_y: str
    bar_width: str
    value_x: str
    value_y: str


@dataclass(frozen=True)
class RankedChart:
    id: str
    title: str
    description: str
    column: str
    drawn: list[RankedRow]
    width: int
    height: int
    bar_height: int = 10

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(row.label, row.count) for row in self.drawn]


def ranked_bars(
    counts: dict[str, int], *, name: Callable[[str], str], chart_id: str, top: int = 10
) -> RankedChart:
    """Countries by signatures, the most first: the first `top`, then the others as one bar."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = [(key, name(key), count) for key, count in ranked[:top]]
    others = ranked[top:]
    if others:
        rest = sum(count for _key, count in others)
        label = ngettext("%(count)s other country", "%(count)s other countries", len(others)) % {
            "count": localised_number(len(others))
        }
        shown.append(("", label, rest))
    peak = max((count for _key, _label, count in shown), default=0)
    room = WIDTH - LEFT - VALUE_ROOM
    drawn = []
    for index, (key, label, count) in enumerate(shown):
        top_y = index * ROW_HEIGHT
        bar = room * count / peak if peak else 0
        drawn.append(
            RankedRow(
                key=key,
                label=label,
                count=count,
                count_label=localised_number(count),
                text_y=number(top_y + 12),
                bar_y=number(top_y + 16),
                bar_width=number(max(bar, 1.0 if count else 0)),
                value_x=number(LEFT + bar + 4),
                value_y=number(top_y + 25),
            )
        )
    return RankedChart(
        id=chart_id,
        title=_("Signatures by country"),
        description=_describe_places(ranked, name, _("No confirmed signatures yet.")),
        column=_("Country"),
        drawn=drawn,
        width=WIDTH,
        height=max(ROW_HEIGHT, len(drawn) * ROW_HEIGHT),
    )


def _describe_places(ranked: list[tuple[str, int]], name, empty: str) -> str:
    """ "Signers from 3 countries. The most from Kazakhstan: 1 234 signatures." """
    if not ranked:
        return empty
    places = ngettext(
        "Signers from %(count)s country.", "Signers from %(count)s countries.", len(ranked)
    ) % {"count": localised_number(len(ranked))}
    return f"{places} {most_from(name(ranked[0][0]), ranked[0][1])}"


def most_from(place: str, count: int) -> str:
    return ngettext(
        "The most from %(place)s: %(count)s signature.",
        "The most from %(place)s: %(count)s signatures.",
        count,
    ) % {"place": place, "count": localised_number(count)}
