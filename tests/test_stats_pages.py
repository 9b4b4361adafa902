"""The statistics pages: charts and the map of regions as SVG, parsed and checked against the
tallies, for accessibility (title, description, the same numbers as a table) and for escaping
and localisation."""

import datetime
import gzip
import re
import xml.etree.ElementTree as ET
from html import escape

import pytest
import time_machine
from django.utils import timezone, translation

from tests.conftest import HOSTILE
from undeu.core.l10n import country_name, localised_hour, localised_number
from undeu.petitions.models import Petition, PetitionState
from undeu.signatures import regions
from undeu.signatures.models import Signature
from undeu.stats import charts, pages, tallying, tilemap
from undeu.stats.models import SiteTally, Tally

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
PLOT_HEIGHT = charts.HEIGHT - charts.TOP - charts.BOTTOM


def message(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def figures(page: str) -> dict[str, ET.Element]:
    """Each chart's figure, parsed as XML (so it must be well-formed: SVG is XML), by the id
    of its SVG's title."""
    found = {}
    for markup in re.findall(r'<figure class="chart[^"]*">.*?</figure>', page, re.S):
        figure = ET.fromstring(markup)  # noqa: S314 - our own page, rendered in this test
        title_id = figure.find(f"{SVG}svg/{SVG}title").get("id")
        found[title_id.removesuffix("-title")] = figure
    return found


def accessible(figure: ET.Element) -> tuple[ET.Element, str, list[tuple[str, str]]]:
    """The SVG, its title and the rows of its table, after checking that a screen reader gets
    them: role img, named by its title and description, and a table with the same caption."""
    svg = figure.find(f"{SVG}svg")
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text.strip() and desc.text.strip()
    assert svg.get("style") is None and not svg.findall(f".//{SVG}style")
    # Out of sight in a box of one pixel (a table itself ignores width and overflow).
    table = figure.find("div[@class='visually-hidden']/table")
    assert table.find("caption").text == title.text
    rows = [(row.find("th").text, row.find("td").text) for row in table.find("tbody")]
    return svg, desc.text, rows


@pytest.fixture
def noon():
    """Midday in the site's time zone, so no test here straddles a day or an hour."""
    zone = timezone.get_current_timezone()
    midday = datetime.datetime.combine(timezone.localdate(), datetime.time(12), tzinfo=zone)
    with time_machine.travel(midday, tick=True):
        yield midday


@pytest.fixture
def signed(noon, petition, sign_and_confirm):
    """Nine signatures: Almaty 3, Astana 2, Kazakhstan without a region 1, Russia 2, Germany 1;
    four of them three days ago, one an hour ago, the rest now."""
    made = []
    for number, (country, region) in enumerate(
        [("KZ", "KZ-75")] * 3
        + [("KZ", "KZ-71")] * 2
        + [("KZ", "")]
        + [("RU", "")] * 2
        + [("DE", "")]
    ):
        made.append(
            sign_and_confirm(petition, f"s{number}@example.com", country=country, region=region)
        )
    now = timezone.now()
    Signature.objects.filter(pk__in=[s.pk for s in made[:4]]).update(
        confirmed_at=now - datetime.timedelta(days=3)
    )
    Signature.objects.filter(pk=made[4].pk).update(confirmed_at=now - datetime.timedelta(hours=1))
    tallying.catch_up()
    return petition


def bars(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(f"{SVG}g/{SVG}rect")


def test_the_petitions_statistics_page(client, signed):
    response = client.get("/en/p/park/stats/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    page = response.content.decode()
    # The petition's hostile title is shown, escaped.
    assert escape(HOSTILE, quote=False) in page.replace("&quot;", '"')
    assert "<script>alert" not in page
    assert "9 confirmed signatures" in page
    found = figures(page)
    assert set(found) == {"hours", "days", "countries", "regions"}

    # The last 48 hours: 48 bars; those of the last two days add up to five.
    svg, description, rows = accessible(found["hours"])
    hours = bars(svg)
    assert len(hours) == pages.HOURS_SHOWN
    counts = [int(bar.get("data-count")) for bar in hours]
    assert sum(counts) == 5
    assert counts[-1] == 4 and counts[-2] == 1
    assert float(hours[-1].get("height")) == PLOT_HEIGHT
    assert float(hours[-2].get("height")) == pytest.approx(PLOT_HEIGHT / 4, abs=0.01)
    assert [int(number) for _label, number in rows] == counts
    assert rows[-1][0] == localised_hour(timezone.now())
    assert "5 confirmed signatures in all" in description
    assert svg.find(f"{SVG}g").get("fill")  # drawn without any stylesheet

    # Day by day: from the day it was published (three days ago) to today.
    svg, description, rows = accessible(found["days"])
    days = bars(svg)
    today = timezone.localdate()
    assert [bar.get("data-at") for bar in days] == [
        (today - datetime.timedelta(days=back)).isoformat() for back in (3, 2, 1, 0)
    ]
    assert [int(bar.get("data-count")) for bar in days] == [4, 0, 0, 5]
    assert [number for _label, number in rows] == ["4", "0", "0", "5"]
    assert float(days[0].get("height")) == pytest.approx(PLOT_HEIGHT * 4 / 5, abs=0.01)
    assert "9 confirmed signatures in all" in description

    # Countries, the most first, named in the reader's language.
    svg, description, rows = accessible(found["countries"])
    ranked = svg.findall(f"{SVG}g")
    assert [(g.get("data-key"), g.get("data-count")) for g in ranked] == [
        ("KZ", "6"),
        ("RU", "2"),
        ("DE", "1"),
    ]
    widths = [float(g.find(f"{SVG}rect").get("width")) for g in ranked]
    assert widths[1] == pytest.approx(widths[0] * 2 / 6, abs=0.01)
    assert widths[2] == pytest.approx(widths[0] / 6, abs=0.01)
    assert rows == [("Kazakhstan", "6"), ("Russia", "2"), ("Germany", "1")]
    assert [g.find(f"{SVG}text").text for g in ranked] == ["Kazakhstan", "Russia", "Germany"]
    assert description.startswith("Signers from 3 countries. The most from Kazakhstan: 6")

    # Regions: every one of the 20 a tile, shaded by its count.
    svg, description, rows = accessible(found["regions"])
    tiles = {g.get("data-region"): g for g in svg.findall(f"{SVG}g[@class='tile']")}
    assert set(tiles) == set(regions.CODES)
    counts = {code: int(tile.get("data-count")) for code, tile in tiles.items()}
    assert counts == {code: {"KZ-75": 3, "KZ-71": 2}.get(code, 0) for code in regions.CODES}
    for code, tile in tiles.items():
        level = tilemap.level(counts[code], 3)
        assert tile.get("data-level") == str(level)
        assert tile.find(f"{SVG}rect").get("fill") == tilemap.FILLS[level]
        # The count is written on the tile: the shade is never the only way to read it.
        assert tile.findall(f"{SVG}text")[1].text == str(counts[code])
        assert tile.find(f"{SVG}title").text.startswith(regions.region_name(code, "en"))
    assert tiles["KZ-75"].find(f"{SVG}rect").get("fill") == tilemap.FILLS[-1]
    assert tiles["KZ-10"].find(f"{SVG}rect").get("fill") == tilemap.FILLS[0]
    legend = svg.findall(f"{SVG}g[@class='legend']")
    assert [g.find(f"{SVG}text").text for g in legend] == ["0", "1", "2", "3"]
    assert len(rows) == 20 and rows[:2] == [("Almaty", "3"), ("Astana", "2")]
    assert {name for name, _n in rows} == {regions.region_name(c, "en") for c in regions.CODES}
    assert (
        description == "5 signers in Kazakhstan gave a region. The most from Almaty: 3 signatures."
    )


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_numbers_dates_and_names_in_the_readers_language(client, petition, language):
    petition.published_at = timezone.now() - datetime.timedelta(hours=2)
    petition.save()
    hour = tallying.hour_key(timezone.now())
    Tally.objects.bulk_create(
        [
            Tally(petition=petition, dimension="country", key="KZ", count=12345),
            Tally(petition=petition, dimension="country", key="RU", count=1500),
            Tally(petition=petition, dimension="region", key="KZ-75", count=12000),
            Tally(petition=petition, dimension="hour", key=hour, count=13845),
        ]
    )
    page = client.get(f"/{language}/p/park/stats/").content.decode()
    found = figures(page)
    with translation.override(language):
        big = localised_number(12345)
        kazakhstan = country_name("KZ")
        now_label = localised_hour(charts.bucket_start(timezone.now(), "hour"))
    _svg, _desc, rows = accessible(found["countries"])
    assert rows[0] == (kazakhstan, big)
    _svg, desc, rows = accessible(found["hours"])
    with translation.override(language):
        assert rows[-1] == (now_label, localised_number(13845))
        assert localised_number(13845) in desc
    svg, _desc, rows = accessible(found["regions"])
    with translation.override(language):
        assert rows[0] == (regions.region_name("KZ-75", language), localised_number(12000))
    if language != "en":
        assert "12,345" not in page  # no English grouping in Kazakh or Russian
    tile_names = [g.find(f"{SVG}text").text for g in svg.findall(f"{SVG}g[@class='tile']")]
    with translation.override(language):
        assert tile_names == [str(tilemap.SHORT_NAMES[code]) for code in tilemap.GRID]
    title = found["regions"].find(f"{SVG}svg/{SVG}title").text
    assert title == message(language, "Signatures by region of Kazakhstan")


def test_other_countries_are_one_bar(client, petition):
    codes = ["KZ", "RU", "UZ", "KG", "DE", "TR", "CN", "US", "GB", "FR", "PL", "IT", "JP"]
    Tally.objects.bulk_create(
        Tally(petition=petition, dimension="country", key=code, count=100 - i)
        for i, code in enumerate(codes)
    )
    found = figures(client.get("/en/p/park/stats/").content.decode())
    svg, _desc, rows = accessible(found["countries"])
    ranked = svg.findall(f"{SVG}g")
    assert len(ranked) == pages.COUNTRIES_SHOWN + 1
    assert [g.get("data-key") for g in ranked[:-1]] == codes[:10]
    assert ranked[-1].get("data-key") == ""
    assert ranked[-1].get("data-count") == str(90 + 89 + 88)
    assert rows[-1] == ("3 other countries", "267")


def test_a_petition_without_signatures(client, petition):
    page = client.get("/kk/p/park/stats/").content.decode()
    found = figures(page)
    for figure in found.values():
        accessible(figure)
    assert all(float(bar.get("height")) == 0 for bar in bars(found["hours"].find(f"{SVG}svg")))
    assert not found["countries"].findall(f"{SVG}svg/{SVG}g")
    assert found["regions"].find(f"{SVG}svg/{SVG}desc").text == message(
        "kk", "No signer in Kazakhstan has given a region yet."
    )


def test_only_public_petitions_have_statistics(client, make_petition):
    make_petition("draft", state=PetitionState.DRAFT)
    make_petition("gone", state=PetitionState.REMOVED)
    assert client.get("/en/p/draft/stats/").status_code == 404
    assert client.get("/en/p/gone/stats/").status_code == 410
    assert client.get("/en/p/no-such-petition/stats/").status_code == 404
    make_petition("park")
    assert client.post("/en/p/park/stats/").status_code == 405
    assert client.post("/en/stats/").status_code == 405


def test_the_petition_page_has_small_charts_and_a_link(client, signed):
    page = client.get("/ru/p/park/").content.decode()
    found = figures(page)
    assert set(found) == {"summary-hours", "summary-days"}
    svg, _desc, rows = accessible(found["summary-days"])
    assert svg.get("width") == str(charts.COMPACT_WIDTH)
    assert [int(bar.get("data-count")) for bar in bars(svg)] == [4, 0, 0, 5]
    assert len(rows) == 4
    # Per hour: the last day's hours up to now, one signature an hour ago and four now.
    svg, _desc, rows = accessible(found["summary-hours"])
    assert svg.get("width") == str(charts.COMPACT_WIDTH)
    counts = [int(bar.get("data-count")) for bar in bars(svg)]
    assert counts[-2:] == [1, 4] and sum(counts) == 5
    assert [row[1] for row in rows][-2:] == ["1", "4"]
    assert 'href="/ru/p/park/stats/"' in page
    # Small: what they add to the surge page, even with a day of hours and two weeks of days.
    Petition.objects.filter(pk=signed.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=60)
    )
    page = client.get("/kk/p/park/").content.decode()
    summary = re.search(r'<div class="stats-summary">.*?</p>\s*</div>', page, re.S).group(0)
    found = figures(page)
    assert len(bars(found["summary-hours"].find(f"{SVG}svg"))) == pages.SUMMARY_HOURS
    assert len(bars(found["summary-days"].find(f"{SVG}svg"))) == pages.SUMMARY_DAYS
    assert len(summary.encode()) < 12000
    assert len(gzip.compress(summary.encode())) < 2200


def test_the_petition_page_before_the_first_signature(client, petition):
    page = client.get("/en/p/park/").content.decode()
    assert not figures(page)
    assert 'href="/en/p/park/stats/"' in page


def test_the_instances_statistics_page(noon, client, make_petition, sign_and_confirm, settings):
    settings.UNDEU_STATS_CACHE_SECONDS = 60
    park = make_petition("park")
    gone = make_petition("gone")
    make_petition("won", state=PetitionState.CLOSED, outcome="victory")
    make_petition("queued", state=PetitionState.SUBMITTED)
    sign_and_confirm(park, "a@example.com", region="KZ-79")
    sign_and_confirm(park, "b@example.com", country="UZ")
    sign_and_confirm(gone, "a@example.com", country="FR")
    tallying.catch_up()
    Petition.objects.filter(pk=gone.pk).update(state=PetitionState.REMOVED)
    response = client.get("/en/stats/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    page = response.content.decode()
    totals = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert totals == {"Signatures counted": "2", "Signers’ countries": "2", "Victories": "1"}
    states = dict(re.findall(r'<th scope="row">([^<]*)</th><td class="number">(\d+)</td>', page))
    assert states["Open for signatures"] == "1"
    assert states["Closed"] == "1"
    assert states["Awaiting moderation"] == "1"
    assert states["Removed"] == "1"
    found = figures(page)
    assert set(found) == {"site-days", "site-countries", "site-regions"}
    svg, _desc, _rows = accessible(found["site-days"])
    days = bars(svg)
    assert len(days) == 90
    assert days[-1].get("data-at") == timezone.localdate().isoformat()
    assert days[-1].get("data-count") == "2"
    svg, _desc, rows = accessible(found["site-countries"])
    assert sorted(rows) == [("Kazakhstan", "1"), ("Uzbekistan", "1")]  # not France
    svg, _desc, _rows = accessible(found["site-regions"])
    tile = svg.find(f"{SVG}g[@data-region='KZ-79']")
    assert tile.get("data-count") == "1" and tile.get("data-level") == "5"
    # Cached: a page view reads no tallies until the totals expire.
    SiteTally.objects.all().delete()
    again = client.get("/en/stats/").content.decode()
    assert dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", again)) == totals


def test_the_footer_links_to_the_statistics(client, petition):
    for language in ("kk", "ru", "en"):
        page = client.get(f"/{language}/").content.decode()
        assert f'href="/{language}/stats/">{escape(message(language, "Statistics"))}</a>' in page


# --- The arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize("peak", [1, 2, 3, 4, 5, 7, 10, 99, 1000, 12345])
def test_every_count_falls_in_the_legend_of_its_shade(peak):
    legend = {item.level: item.label for item in tilemap._legend(peak)}
    for count in {c for c in (1, 2, peak // 3, peak // 2, peak - 1, peak) if 0 < c <= peak}:
        level = tilemap.level(count, peak)
        low, high = tilemap._range_of(level, peak)
        assert low <= count <= high
        assert level in legend
    assert tilemap.level(peak, peak) == tilemap.STEPS
    assert tilemap.level(0, peak) == 0


def test_the_window_fills_gaps_and_starts_no_earlier_than_asked():
    zone = timezone.get_current_timezone()
    end = datetime.datetime(2026, 3, 10, 15, 30, tzinfo=zone)
    day = datetime.datetime(2026, 3, 8, tzinfo=zone)
    shown = charts.window([(day, 4)], "day", end=end, buckets=5)
    assert [(at.day, n) for at, n in shown] == [(6, 0), (7, 0), (8, 4), (9, 0), (10, 0)]
    shown = charts.window([(day, 4)], "day", end=end, buckets=5, start=day)
    assert [(at.day, n) for at, n in shown] == [(8, 4), (9, 0), (10, 0)]
    later = charts.window([(day, 4)], "day", end=day - datetime.timedelta(days=1), buckets=2)
    assert [(at.day, n) for at, n in later] == [(7, 0), (8, 4)]
    hour = datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC)
    shown = charts.window([(hour, 2)], "hour", end=end, buckets=3)
    assert [n for _at, n in shown] == [0, 0, 2]
    assert shown[-1][0] == end.replace(minute=0)
