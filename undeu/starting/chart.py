"""Signatures per day as a bar chart in SVG, drawn on the server: no script, nothing from
elsewhere. The template gives it a title and a description for screen readers and a table with
the same numbers; this module does the arithmetic."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undeu.core.l10n import localised_date, localised_number

WIDTH = 600
HEIGHT = 200
TOP = 16  # room for the label of the highest bar
BOTTOM = 24  # room for the first and last dates
LEFT = 4
GAP = 2


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    count: int
    # Coordinates as strings: a float in a template would take the reader's decimal comma.
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    bars: list[Bar]
    days: list[tuple[datetime.date, int]]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - BOTTOM
    peak_label: str = ""
    first_label: str = ""
    last_label: str = ""


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(days: list[tuple[datetime.date, int]]) -> Chart:
    """One bar per day; the tallest bar fills the height."""
    peak = max((count for _day, count in days), default=0)
    total = sum(count for _day, count in days)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT * 2) / max(1, len(days))
    bars = []
    for index, (day, count) in enumerate(days):
        height = plot_height * count / peak if peak else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=_number(LEFT + index * slot + GAP / 2),
                y=_number(HEIGHT - BOTTOM - height),
                width=_number(max(1.0, slot - GAP)),
                height=_number(height),
            )
        )
    first, last = (days[0][0], days[-1][0]) if days else (None, None)
    return Chart(
        title=_("Signatures per day"),
        description=_describe(days, total, peak, first, last),
        bars=bars,
        days=days,
        peak_label=localised_number(peak),
        first_label=localised_date(first) if first else "",
        last_label=localised_date(last) if last else "",
    )


def _describe(days, total, peak, first, last) -> str:
    if not days:
        return _("No signatures yet.")
    span = _("From %(first)s to %(last)s:") % {
        "first": localised_date(first),
        "last": localised_date(last),
    }
    counted = ngettext(
        "%(total)s confirmed signature in all.",
        "%(total)s confirmed signatures in all.",
        total,
    ) % {"total": localised_number(total)}
    if not peak:
        return f"{span} {counted}"
    peak_day = next(day for day, count in days if count == peak)
    most = ngettext(
        "The most on %(day)s: %(count)s signature.",
        "The most on %(day)s: %(count)s signatures.",
        peak,
    ) % {"day": localised_date(peak_day), "count": localised_number(peak)}
    return f"{span} {counted} {most}"
