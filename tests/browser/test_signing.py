"""Signing end to end: the form, the email through the worker and SMTP, the confirmation."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    confirmation_link,
    count_text_in,
    gettext_in,
    reload_until_count_shown,
    served_count,
    shown_count,
    text_body,
    wait_for_served_count,
)

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Signer:
    language: str
    slug: str
    other_versions: tuple[str, ...]
    full_name: str
    email: str
    city: str
    listed_as: str
    javascript: bool


KAZAKH = Signer(
    language="kk",
    slug="koktem-park",
    other_versions=("ru",),
    full_name="Айгүл Сейітова",
    email="aigul.seiitova@example.com",
    city="",
    listed_as="Айгүл С.",
    javascript=True,
)
RUSSIAN_WITHOUT_JAVASCRIPT = Signer(
    language="ru",
    slug="astana-bike-lanes",
    other_versions=("en", "kk"),
    full_name="Дмитрий Иванов",
    email="dmitry.ivanov@example.com",
    city="Астана",
    listed_as="Дмитрий И., Астана",
    javascript=False,
)


@pytest.mark.parametrize("signer", [KAZAKH, RUSSIAN_WITHOUT_JAVASCRIPT], ids=lambda s: s.language)
def test_sign_and_confirm(new_context, site, mailbox, signer):
    language = signer.language

    def t(message, **values):
        return gettext_in(language, message, **values)

    page = new_context(java_script_enabled=signer.javascript).new_page()
    page.goto(f"/{language}/p/{signer.slug}/")

    # The petition in the visitor's language, with links to its other versions.
    heading = page.locator("main h1")
    expect(heading).to_have_attribute("lang", language)
    title = heading.inner_text()
    for other in signer.other_versions:
        expect(page.locator(f'nav.versions a[hreflang="{other}"]')).to_have_attribute(
            "href", f"/{language}/p/{signer.slug}/?version={other}"
        )
    before = shown_count(page)
    expect(page.locator(".count-text")).to_have_text(count_text_in(language, before))

    # Sign: the labels are in the visitor's language, the country is already chosen.
    form = page.locator("form.sign-form")
    form.get_by_label(t("Full name"), exact=True).fill(signer.full_name)
    form.get_by_label(t("Email"), exact=True).fill(signer.email)
    expect(form.get_by_label(t("Country"), exact=True)).to_have_value("KZ")
    region = form.get_by_label(t("Region of Kazakhstan (optional)"), exact=True)
    if signer.javascript:
        # Only signers in Kazakhstan are asked for its region.
        form.get_by_label(t("Country"), exact=True).select_option("RU")
        expect(region).to_be_hidden()
        form.get_by_label(t("Country"), exact=True).select_option("KZ")
    expect(region).to_be_visible()
    region.select_option("KZ-75")
    form.get_by_label(t("City or town (optional)"), exact=True).fill(signer.city)
    form.get_by_label(t("Show my name on the petition page"), exact=True).check()
    form.get_by_role("button", name=t("Sign"), exact=True).click()

    expect(page).to_have_url(f"{site.url}/{language}/p/{signer.slug}/check-email/")
    expect(page.locator("main h1")).to_have_text(t("Check your email"))
    stored = site.signature(signer.email) or {}
    expected = {
        "state": "pending",
        "full_name": signer.full_name,
        "city": signer.city,
        "region": "KZ-75",
        "country": "KZ",
        "language": language,
        "show_name": 1,
        "wants_updates": 0,
    }
    assert {key: stored.get(key) for key in expected} == expected

    # The worker sends the email, in the signer's language, through the SMTP server.
    message = mailbox.wait_for(signer.email)
    assert message["Content-Language"] == language
    # Django folds an encoded Subject right after "Subject:"; Python's parser keeps that space.
    assert message["Subject"].strip() == t("Confirm your signature: %(title)s", title=title)
    assert title in text_body(message)
    link = confirmation_link(message)
    assert link.startswith(f"{site.url}/{language}/confirm/")

    # Following the link shows a button and changes nothing.
    page.goto(link)
    expect(page.locator("main h1")).to_have_text(t("Confirm your signature"))
    confirm_button = page.get_by_role("button", name=t("Confirm my signature"), exact=True)
    expect(confirm_button).to_be_visible()
    assert served_count(page, signer.slug) == before
    assert site.signature(signer.email)["state"] == "pending"

    # Pressing it counts the signature.
    confirm_button.click()
    expect(page.locator("main h1")).to_have_text(t("Thank you: your signature is confirmed"))
    expect(page).to_have_url(link)
    assert shown_count(page) == before + 1
    expect(page.locator(".count-text")).to_have_text(count_text_in(language, before + 1))
    wait_for_served_count(page, signer.slug, before + 1)
    assert site.signature(signer.email)["state"] == "confirmed"

    # The petition page lists the signer first among the recent signers (first name, initial).
    page.get_by_role("link", name=t("Back to the petition"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/{language}/p/{signer.slug}/")
    # Anonymous petition pages may be kept for a second or two (the browser's max-age, the
    # server's page cache and count cache), and this whole path took about that: the page may
    # show what it showed before signing until it is read again a moment later.
    reload_until_count_shown(page, before + 1)
    expect(page.locator(".recent li").first).to_have_text(signer.listed_as)


def test_bad_input_shows_translated_errors_and_keeps_what_was_typed(page, site, mailbox):
    def t(message):
        return gettext_in("kk", message)

    page.goto("/kk/p/open-city-budget/")
    form = page.locator("form.sign-form")
    form.get_by_label(t("Email"), exact=True).fill("not-an-email")
    form.get_by_label(t("City or town (optional)"), exact=True).fill("Алматы")
    form.get_by_label(t("Email me about this petition"), exact=True).check()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name=t("Sign"), exact=True).click()
    assert answer.value.status == 400

    expect(page.locator("#id_full_name_error")).to_have_text(t("This field is required."))
    expect(page.locator("#id_email_error")).to_have_text(t("Enter a valid email address."))
    expect(page.locator(".sign-form .error")).to_have_count(2)
    # Screen readers hear each error with its field.
    name_field = form.get_by_label(t("Full name"), exact=True)
    expect(name_field).to_have_attribute("aria-invalid", "true")
    expect(name_field).to_have_attribute("aria-describedby", "id_full_name_error")
    expect(form.get_by_label(t("Full name"), exact=True)).to_have_value("")
    expect(form.get_by_label(t("Email"), exact=True)).to_have_value("not-an-email")
    expect(form.get_by_label(t("Country"), exact=True)).to_have_value("KZ")
    expect(form.get_by_label(t("City or town (optional)"), exact=True)).to_have_value("Алматы")
    expect(form.get_by_label(t("Email me about this petition"), exact=True)).to_be_checked()

    # A name without letters is refused too, with its own message; the rest is still kept.
    form.get_by_label(t("Full name"), exact=True).fill("12345")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name=t("Sign"), exact=True).click()
    assert answer.value.status == 400
    expect(page.locator("#id_full_name_error")).to_have_text(t("Enter your name."))
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(form.get_by_label(t("Full name"), exact=True)).to_have_value("12345")
    expect(form.get_by_label(t("City or town (optional)"), exact=True)).to_have_value("Алматы")
    assert mailbox.messages_to("not-an-email") == []
    assert site.signature("not-an-email") is None
