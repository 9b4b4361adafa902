"""Kazakhstan's 20 regions as a tile-grid map in SVG: each region one tile at its approximate
place (west to east, north to south), shaded by its signatures, with a legend.

A tile grid needs no boundary data (none with a licence we could ship is small enough), draws
every region the same size, so a small city is as visible as a vast steppe oblast, and stays a
few kilobytes. Each tile carries a short name and its count as text, so the shading is never the
only way to read it; the full names are in the table beside the map.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from undeu.core.l10n import localised_number
from undeu.signatures import regions
from undeu.stats.charts import most_from

# (column, row) of each region: columns west to east, rows north to south. The three cities sit
# beside the oblast around them.
GRID = {
    "KZ-59": (3, 0),  # North Kazakhstan
    "KZ-55": (4, 0),  # Pavlodar
    "KZ-27": (0, 1),  # West Kazakhstan
    "KZ-15": (1, 1),  # Aktobe
    "KZ-39": (2, 1),  # Kostanay
    "KZ-11": (3, 1),  # Akmola
    "KZ-71": (4, 1),  # Astana
    "KZ-63": (5, 1),  # East Kazakhstan
    "KZ-23": (0, 2),  # Atyrau
    "KZ-43": (1, 2),  # Kyzylorda
    "KZ-62": (2, 2),  # Ulytau
    "KZ-35": (3, 2),  # Karaganda
    "KZ-10": (4, 2),  # Abai
    "KZ-47": (0, 3),  # Mangystau
    "KZ-61": (2, 3),  # Turkistan
    "KZ-31": (3, 3),  # Jambyl
    "KZ-33": (4, 3),  # Jetisu
    "KZ-79": (2, 4),  # Shymkent
    "KZ-75": (3, 4),  # Almaty
    "KZ-19": (4, 4),  # Almaty Region
}
SHORT_NAMES = {
    "KZ-10": pgettext_lazy("region, short", "Abai"),
    "KZ-11": pgettext_lazy("region, short", "Akmola"),
    "KZ-15": pgettext_lazy("region, short", "Aktobe"),
    "KZ-19": pgettext_lazy("region, short", "Almaty Reg."),
    "KZ-23": pgettext_lazy("region, short", "Atyrau"),
    "KZ-27": pgettext_lazy("region, short", "West Kaz."),
    "KZ-31": pgettext_lazy("region, short", "Jambyl"),
    "KZ-33": pgettext_lazy("region, short", "Jetisu"),
    "KZ-35": pgettext_lazy("region, short", "Karaganda"),
    "KZ-39": pgettext_lazy("region, short", "Kostanay"),
    "KZ-43": pgettext_lazy("region, short", "Kyzylorda"),
    "KZ-47": pgettext_lazy("region, short", "Mangystau"),
    "KZ-55": pgettext_lazy("region, short", "Pavlodar"),
    "KZ-59": pgettext_lazy("region, short", "North Kaz."),
    "KZ-61": pgettext_lazy("region, short", "Turkistan"),
    "KZ-62": pgettext_lazy("region, short", "Ulytau"),
    "KZ-63": pgettext_lazy("region, short", "East Kaz."),
    "KZ-71": pgettext_lazy("region, short", "Astana"),
    "KZ-75": pgettext_lazy("region, short", "Almaty"),
    "KZ-79": pgettext_lazy("region, short", "Shymkent"),
}
COLUMNS, ROWS = 6, 5
TILE_WIDTH, TILE_HEIGHT, GAP = 96, 54, 4
LEGEND_HEIGHT = 34
WIDTH = COLUMNS * (TILE_WIDTH + GAP)
HEIGHT = ROWS * (TILE_HEIGHT + GAP) + LEGEND_HEIGHT
# Fills from no signatures (0) to the most (5), and the text colour readable on each (contrast
# 4.5:1 or more).
FILLS = ["#eef1f5", "#d2e3f3", "#9fc3e7", "#5f9bd4", "#2f6fb0", "#0b4a8c"]
INKS = ["#1b1f24", "#1b1f24", "#1b1f24", "#1b1f24", "#ffffff", "#ffffff"]
STEPS = len(FILLS) - 1


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    short: str
    count: int
    count_label: str
    tooltip: str
    level: int
    fill: str
    ink: str
    x: int
    y: int
    centre: int
    name_y: int
    count_y: int


@dataclass(frozen=True)
class LegendItem:
    level: int
    label: str
    fill: str
    x: int
    text_x: int


@dataclass(frozen=True)
class RegionMap:
    id: str
    title: str
    description: str
    column: str
    tiles: list[Tile]
    legend: list[LegendItem]
    rows: list[tuple[str, int]]
    width: int = WIDTH
    height: int = HEIGHT
    tile_width: int = TILE_WIDTH
    tile_height: int = TILE_HEIGHT
    legend_y: int = ROWS * (TILE_HEIGHT + GAP) + 8
    legend_text_y: int = ROWS * (TILE_HEIGHT + GAP) + 20


def level(count: int, peak: int) -> int:
    """0 for none; else 1 to STEPS, in equal steps of the largest count."""
    if count <= 0 or peak <= 0:
        return 0
    return min(STEPS, max(1, -(-count * STEPS // peak)))


def _range_of(step: int, peak: int) -> tuple[int, int]:
    """The counts shaded as `step`: the inverse of level()."""
    return peak * (step - 1) // STEPS + 1, peak * step // STEPS


def region_map(counts: dict[str, int], language: str, *, chart_id: str) -> RegionMap:
    known = {code: counts.get(code, 0) for code, _name in regions.REGIONS}
    peak = max(known.values(), default=0)
    tiles = []
    for code, (column, row) in GRID.items():
        count, name = known[code], regions.region_name(code, language)
        shade = level(count, peak)
        x, y = column * (TILE_WIDTH + GAP), row * (TILE_HEIGHT + GAP)
        tiles.append(
            Tile(
                code=code,
                name=name,
                short=str(SHORT_NAMES[code]),
                count=count,
                count_label=localised_number(count),
                tooltip=ngettext(
                    "%(place)s: %(count)s signature", "%(place)s: %(count)s signatures", count
                )
                % {"place": name, "count": localised_number(count)},
                level=shade,
                fill=FILLS[shade],
                ink=INKS[shade],
                x=x,
                y=y,
                centre=x + TILE_WIDTH // 2,
                name_y=y + 22,
                count_y=y + 40,
            )
        )
    # Every region in the table, the most first; a code no longer in the list by its code.
    named = [(regions.region_name(code, language) or code, count) for code, count in counts.items()]
    named += [(tile.name, 0) for tile in tiles if tile.code not in counts]
    rows = sorted(named, key=lambda row: (-row[1], row[0].casefold()))
    total = sum(count for _name, count in rows)
    if total:
        description = ngettext(
            "%(count)s signer in Kazakhstan gave a region.",
            "%(count)s signers in Kazakhstan gave a region.",
            total,
        ) % {"count": localised_number(total)}
        description = f"{description} {most_from(rows[0][0], rows[0][1])}"
    else:
        description = _("No signer in Kazakhstan has given a region yet.")
    return RegionMap(
        id=chart_id,
        title=_("Signatures by region of Kazakhstan"),
        description=description,
        column=_("Region"),
        tiles=tiles,
        legend=_legend(peak),
        rows=rows,
    )


def _legend(peak: int) -> list[LegendItem]:
    steps = [(0, localised_number(0))]
    for step in range(1, STEPS + 1):
        low, high = _range_of(step, peak)
        if low > high:
            continue  # fewer signatures than steps: some shades are never used
        label = (
            localised_number(low)
            if low == high
            else f"{localised_number(low)}–{localised_number(high)}"
        )
        steps.append((step, label))
    slot = WIDTH // len(FILLS)
    return [
        LegendItem(level=step, label=label, fill=FILLS[step], x=i * slot, text_x=i * slot + 20)
        for i, (step, label) in enumerate(steps)
    ]
