"""Consent: nothing is loaded from another site until the visitor allows it, with or without
JavaScript."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import gettext_in

pytestmark = pytest.mark.browser

PETITION = "/en/p/koktem-park/"
YOUTUBE_EMBED = re.compile(r"^https://www\.youtube-nocookie\.com/embed/")


def t(message: str) -> str:
    return gettext_in("en", message)


class Requests:
    """Every request the context makes; anything not for the site is aborted and noted."""

    def __init__(self, context: BrowserContext):
        self.seen: list[str] = []
        self.blocked: list[str] = []
        context.on("request", lambda request: self.seen.append(request.url))
        context.route("**/*", self._route)

    def _route(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def foreign(self) -> list[str]:
        return [url for url in self.seen if urlsplit(url).hostname != "127.0.0.1"]


def consent_cookies(context: BrowserContext) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies() if c["name"].startswith("undeu_")}


def test_video_is_loaded_only_after_consent(new_context, site):
    context = new_context()
    requests = Requests(context)
    page = context.new_page()
    page.goto(PETITION, wait_until="networkidle")

    expect(page.locator("figure.video .video-placeholder")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    assert any(url.endswith(".css") for url in requests.seen)
    assert any(url.endswith(".js") for url in requests.seen)
    assert requests.foreign() == []
    assert requests.blocked == []
    assert consent_cookies(context) == {}

    banner = page.locator("#consent")
    expect(banner).to_be_visible()
    banner.get_by_role("button", name=t("Allow all"), exact=True).click()

    expect(page).to_have_url(f"{site.url}{PETITION}")
    expect(page.locator("#consent")).to_have_count(0)
    expect(page.locator(".video-placeholder")).to_have_count(0)
    iframe = page.locator("figure.video iframe")
    expect(iframe).to_have_count(1)
    expect(iframe).to_have_attribute("src", YOUTUBE_EMBED)
    assert consent_cookies(context) == {
        "undeu_consent": "1:preferences.media",
        "undeu_language": "en",
    }
    # Whatever the frame asked for went nowhere; nothing else left the site.
    assert all(YOUTUBE_EMBED.match(url) for url in requests.foreign())
    assert requests.blocked == requests.foreign()


def test_cookie_settings_work_without_javascript(new_context, site):
    context = new_context(java_script_enabled=False)
    requests = Requests(context)
    page = context.new_page()
    page.goto(PETITION)
    expect(page.locator("#consent")).to_be_visible()

    # Without JavaScript the footer link opens the settings page, which returns here.
    page.locator("footer").get_by_role("link", name=t("Cookie settings"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/cookies/\?next=/en/p/koktem-park/$"))
    expect(page.locator("main h1")).to_have_text(t("Cookie settings"))
    page.locator("main").get_by_role("button", name=t("Only necessary"), exact=True).click()

    expect(page).to_have_url(f"{site.url}{PETITION}")
    expect(page.locator("#consent")).to_have_count(0)
    expect(page.locator("iframe")).to_have_count(0)
    expect(page.locator("figure.video .video-placeholder")).to_be_visible()
    assert consent_cookies(context) == {"undeu_consent": "1:necessary"}

    # Choosing third-party media alone shows the video and still remembers no language.
    page.get_by_role("link", name=t("Update your cookie settings"), exact=True).click()
    main = page.locator("main")
    main.get_by_label(t("Third-party media"), exact=True).check()
    expect(main.get_by_label(t("Preferences"), exact=True)).not_to_be_checked()
    main.get_by_role("button", name=t("Save my choices"), exact=True).click()

    expect(page).to_have_url(f"{site.url}{PETITION}")
    expect(page.locator("figure.video iframe")).to_have_attribute("src", YOUTUBE_EMBED)
    assert consent_cookies(context) == {"undeu_consent": "1:media"}
    assert all(YOUTUBE_EMBED.match(url) for url in requests.foreign())
    assert requests.blocked == requests.foreign()
