"""The statistics in Chromium: the petition page's small chart, a petition's charts and map, the
instance's statistics page; drawn (no script, no inline style, nothing refused by the CSP),
named for screen readers with their tables in the accessibility tree, and axe-core clean."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import gettext_in
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

CHARTS = (
    "Signatures per hour",
    "Signatures per day",
    "Signatures by country",
    "Signatures by region of Kazakhstan",
)


def watch_console(page: Page) -> list[str]:
    """Messages the page logs (a CSP refusal would be one)."""
    logged: list[str] = []
    page.on("console", lambda message: logged.append(message.text))
    return logged


def assert_drawn_and_named(page: Page, title: str) -> None:
    """The chart is on screen at a readable size, named by its title; its table is not on
    screen but a screen reader finds it by the same name."""
    chart = page.get_by_role("img", name=title)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 250 and box["height"] > 25, (title, box)
    table = page.get_by_role("table", name=title, exact=True)
    expect(table).to_be_attached()
    box = table.locator("xpath=..").bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1, box


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_petitions_charts_and_map(page, language):
    def t(message):
        return gettext_in(language, message)

    logged = watch_console(page)
    page.goto(f"/{language}/p/astana-bike-lanes/")
    expect(page.get_by_role("img", name=t("Signatures per day"))).to_be_visible()
    page.get_by_role("link", name=t("When and where people signed")).click()
    expect(page.locator("main h1")).to_have_text(t("When and where people signed"))
    for title in CHARTS:
        assert_drawn_and_named(page, t(title))
    # The demo's signers are mostly in Astana: its tile is the darkest, with its count on it.
    expect(page.locator("svg g.tile")).to_have_count(20)
    astana = page.locator("svg g.tile[data-region='KZ-71']")
    expect(astana).to_have_attribute("data-level", "5")
    count = astana.get_attribute("data-count")
    assert int(count) >= 28
    regions = page.get_by_role("table", name=t("Signatures by region of Kazakhstan"), exact=True)
    expect(regions.locator("tbody tr")).to_have_count(20)
    assert_accessible(page, "a petition's statistics")
    assert not [text for text in logged if "Content Security Policy" in text], logged


def test_the_instances_statistics(page):
    def t(message):
        return gettext_in("ru", message)

    logged = watch_console(page)
    page.goto("/ru/petitions/")
    page.get_by_role("contentinfo").get_by_role("link", name=t("Statistics")).click()
    expect(page.locator("main h1")).to_have_text(t("Statistics"))
    for title in CHARTS[1:]:
        assert_drawn_and_named(page, t(title))
    expect(page.get_by_role("table", name=t("Petitions by state"))).to_be_visible()
    assert_accessible(page, "the instance's statistics")
    assert not [text for text in logged if "Content Security Policy" in text], logged
