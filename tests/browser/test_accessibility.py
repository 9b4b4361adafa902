"""axe-core on the pages of the signing path: no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import confirmation_link, gettext_in

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING = {"serious", "critical"}


# axe no longer reports duplicate ids (WCAG 2.2 dropped 4.1.1), but a label's `for` then names
# only the first control with that id and leaves the other without a name.
DUPLICATE_IDS = """() => {
  const ids = [...document.querySelectorAll("[id]")].map((element) => element.id);
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}"""


def assert_accessible(page: Page, what: str) -> None:
    results = AXE.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{what} ({page.url}):\n{results.generate_report()}"
    assert page.evaluate(DUPLICATE_IDS) == [], f"{what} ({page.url}): duplicate ids"


def test_petition_page_and_form_errors(page):
    def t(message):
        return gettext_in("kk", message)

    page.goto("/kk/p/koktem-park/")
    expect(page.locator("#consent")).to_be_visible()
    assert_accessible(page, "petition page with the consent banner")

    form = page.locator("form.sign-form")
    form.get_by_label(t("Email"), exact=True).fill("not-an-email")
    form.get_by_role("button", name=t("Sign"), exact=True).click()
    expect(page.locator(".sign-form .error")).to_have_count(2)
    assert_accessible(page, "petition page with the form's errors")


def test_cookie_settings_page(page):
    page.goto("/ru/cookies/?next=/ru/p/koktem-park/")
    assert_accessible(page, "cookie settings")


def test_confirmation_pages(page, mailbox):
    def t(message):
        return gettext_in("en", message)

    address = "axe.signer@example.com"
    page.goto("/en/p/astana-bike-lanes/")
    form = page.locator("form.sign-form")
    form.get_by_label(t("Full name"), exact=True).fill("Alma Nurlanovna")
    form.get_by_label(t("Email"), exact=True).fill(address)
    form.get_by_role("button", name=t("Sign"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(t("Check your email"))
    assert_accessible(page, "check your email")

    page.goto(confirmation_link(mailbox.wait_for(address)))
    expect(page.locator("main h1")).to_have_text(t("Confirm your signature"))
    assert_accessible(page, "confirm button")

    page.get_by_role("button", name=t("Confirm my signature"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(t("Thank you: your signature is confirmed"))
    assert_accessible(page, "thank-you page")


@pytest.mark.parametrize(
    "path",
    ["/kk/", "/ru/petitions/", "/en/petitions/?q=park", "/kk/p/koktem-park/all/", "/ru/privacy/"],
)
def test_browsing_pages(page, path):
    page.goto(path)
    assert_accessible(page, "browsing")
