"""Data rights end to end, in Kazakh: sign two petitions, ask for the link from the footer, open
it from the email the worker sent over SMTP, download the data, stop emails, withdraw one
signature (the count drops), then erase everything; axe-core on every page."""

import contextlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    confirmation_link,
    gettext_in,
    settled_served_count,
    text_body,
    wait_for_served_count,
)
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

RIGHTS_LINK = re.compile(r"https?://\S+/my-signatures/[A-Za-z0-9_-]{43}/")
NAME = "Гүлнар Ерғалиқызы"
EMAIL = "gulnar.rights@example.com"


def t(message: str, **values) -> str:
    return gettext_in("kk", message, **values)


def sign(page: Page, slug: str) -> str:
    """Sign in Kazakh with the form; the petition's Kazakh title."""
    page.goto(f"/kk/p/{slug}/")
    title = page.locator("main h1").inner_text()
    form = page.locator("form.sign-form")
    form.get_by_label(t("Full name"), exact=True).fill(NAME)
    form.get_by_label(t("Email"), exact=True).fill(EMAIL)
    form.get_by_label(t("Email me about this petition"), exact=True).check()
    form.get_by_role("button", name=t("Sign"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(t("Check your email"))
    return title


def stored_text(site) -> str:
    """Everything in the site's database, as SQL text."""
    uri = f"{site.database.as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return "\n".join(db.iterdump())


def test_see_download_stop_withdraw_and_erase_in_kazakh(page, site, mailbox):
    # Two signatures: one confirmed (counted), one left waiting for its confirmation.
    park = sign(page, "koktem-park")
    page.goto(confirmation_link(mailbox.wait_for(EMAIL, count=1)))
    page.get_by_role("button", name=t("Confirm my signature"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(t("Thank you: your signature is confirmed"))
    bikes = sign(page, "astana-bike-lanes")
    mailbox.wait_for(EMAIL, count=2)
    # With the confirmation just made in it (counts may be a moment old).
    before = settled_served_count(page, "koktem-park")

    # The footer of every page leads to the request form.
    page.goto("/kk/p/koktem-park/")
    page.locator("footer").get_by_role("link", name=t("Your signatures"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/my-signatures/")
    expect(page.locator("main h1")).to_have_text(t("Your signatures"))
    assert_accessible(page, "the request form")

    # A hostile address: a translated message beside the field, nothing sent.
    field = page.get_by_label(t("Email"), exact=True)
    field.fill('<script>alert("x")</script>@example.com')
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name=t("Send me the link"), exact=True).click()
    assert answer.value.status == 400
    expect(page.locator("#id_email_error")).to_have_text(t("Enter a valid email address."))
    assert_accessible(page, "the request form with an error")

    field.fill(EMAIL)
    page.get_by_role("button", name=t("Send me the link"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/my-signatures/sent/")
    expect(page.locator("main h1")).to_have_text(t("Check your email"))
    assert_accessible(page, "link sent")

    # The worker sends the link, in Kazakh.
    message = mailbox.wait_for(EMAIL, count=3)
    assert message["Content-Language"] == "kk"
    assert message["Subject"].strip() == t("Your signatures on %(site_name)s", site_name="Undeu")
    links = RIGHTS_LINK.findall(text_body(message))
    assert len(links) == 1 and links[0].startswith(f"{site.url}/kk/my-signatures/")
    link = links[0]

    # The page lists both petitions, in Kazakh, with the state of each signature.
    page.goto(link)
    expect(page.locator("main h1")).to_have_text(t("Your signatures"))
    cards = page.locator("li.card")
    expect(cards).to_have_count(2)
    park_card = cards.filter(has_text=park)
    bikes_card = cards.filter(has_text=bikes)
    expect(park_card.locator(".state")).to_have_text(t("Confirmed"))
    expect(bikes_card.locator(".state")).to_have_text(t("Awaiting email confirmation"))
    assert_accessible(page, "the signer's page")

    # Download: a JSON file with everything kept about each signature.
    with page.expect_download() as download:
        page.get_by_role("button", name=t("Download my data"), exact=True).click()
    assert download.value.suggested_filename == "my-signatures.json"
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [s["petition"]["title"] for s in data["signatures"]] == [park, bikes]
    assert {(s["full_name"], s["email"]) for s in data["signatures"]} == {(NAME, EMAIL)}
    assert [s["wants_emails_about_the_petition"] for s in data["signatures"]] == [True, True]

    # Stop all emails.
    page.get_by_role("button", name=t("Stop all emails"), exact=True).click()
    expect(page.locator("p.done")).to_have_text(t("Done: we will send you no more emails."))
    expect(page.get_by_role("button", name=t("Allow emails again"), exact=True)).to_be_visible()
    assert_accessible(page, "the signer's page after stopping emails")

    # Withdraw the counted signature: the count drops.
    park_card.get_by_role("button", name=t("Withdraw my signature"), exact=True).click()
    expect(page.locator("p.done")).to_have_text(
        t("Your signature is withdrawn. It no longer counts.")
    )
    expect(park_card.locator(".state")).to_have_text(t("Withdrawn"))
    expect(park_card.get_by_role("button")).to_have_count(0)
    wait_for_served_count(page, "koktem-park", before - 1)

    # Erase: refused until the box is ticked, then done.
    erase = page.get_by_role("button", name=t("Erase everything"), exact=True)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        erase.click()
    assert answer.value.status == 400
    expect(page.locator("#id_confirm_error")).to_have_text(
        t("Tick the box to confirm that you want to erase it all.")
    )
    assert_accessible(page, "the signer's page with the erase error")
    page.get_by_label(t("I understand that this cannot be undone."), exact=True).check()
    page.get_by_role("button", name=t("Erase everything"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(t("Everything is erased"))
    assert_accessible(page, "everything erased")

    # Nothing in the site's database says who signed; the link is dead; the logs never had
    # the address or the token.
    stored = stored_text(site)
    assert EMAIL not in stored and NAME not in stored
    assert link.rsplit("/", 2)[1] not in stored
    page.goto(link)
    expect(page.locator("main h1")).to_have_text(t("This link does not work"))
    assert_accessible(page, "a dead link")
    log = site.log.read_text(encoding="utf-8", errors="replace")
    assert EMAIL not in log and link.rsplit("/", 2)[1] not in log
