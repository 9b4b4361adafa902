"""A petition's whole life, end to end, through the real pages: a starter signs up and verifies
their address, writes a petition in Kazakh with a Russian version and submits it; a moderator
signs in with a second factor and approves it; two people sign and confirm; the starter posts an
update, which reaches each signer in their language with a working one-click unsubscribe; the
starter closes the petition and downloads the delivery PDF."""

import io
import re
import urllib.request
from dataclasses import dataclass

import pytest
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import (
    TIMEOUT_MS,
    account_confirmation_link,
    confirmation_link,
    count_text_in,
    create_moderator,
    gettext_in,
    reload_until_count_shown,
    text_body,
    totp_code,
    wait_for_served_count,
)

pytestmark = pytest.mark.browser

KAZAKH_LETTERS = "әғқңөұүһі"

STARTER_EMAIL = "aizhan.nurlanqyzy@example.com"
STARTER_PASSWORD = "Kok-Tobe-sayabaq-2026!"
STARTER_NAME = "Айжан Нұрланқызы"

MODERATOR_EMAIL = "moderator.asel@example.com"
MODERATOR_PASSWORD = "Moderation-Desk-2026!"
MODERATOR_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

KK_TITLE = "Әкімдік Көктөбе саябағындағы ағаштарды сақтасын: ұлы үйеңкілер һәм қайыңдар"
KK_DEMAND = "Алматы қаласының әкімдігі Көктөбе саябағындағы ағаштарды кесу жоспарын тоқтатсын."
KK_BODY = (
    "Саябақ — ауданның жалғыз жасыл аймағы. Балалар мен қарттар күн сайын осында серуендейді.\n\n"
    "Ағаштарды кесу қала тұрғындарының денсаулығына зиян келтіреді."
)
DECISION_MAKER = "Алматы қаласының әкімдігі"
RU_TITLE = "Акимат должен сохранить деревья в парке Кок-Тобе"
RU_DEMAND = "Акимат Алматы должен отменить план вырубки деревьев в парке Кок-Тобе."
RU_BODY = "Парк — единственная зелёная зона района. Дети и пожилые люди гуляют здесь каждый день."
TITLES = {"kk": KK_TITLE, "ru": RU_TITLE}

UPDATE = {
    "kk": ("Әкімдікпен кездесу өтті", "Бүгін біз әкімдікке қолдарыңызды тапсырдық. Рақмет!"),
    "ru": ("Встреча с акиматом состоялась", "Сегодня мы передали акимату ваши подписи. Спасибо!"),
}


@dataclass(frozen=True)
class Signer:
    language: str
    full_name: str
    email: str
    show_name: bool
    wants_updates: bool


NAMED_RUSSIAN = Signer("ru", "Мария Петрова", "maria.petrova@example.com", True, True)
UNNAMED_KAZAKH = Signer("kk", "Ерлан Қасымов", "erlan.qasymov@example.com", False, True)
NAMED_RUSSIAN_SHOWN_AS = "Мария П."  # first name and initial (delivery/signers.py shown_name)


def ngettext_in(language: str, singular: str, plural: str, number: int, **values) -> str:
    with translation.override(language):
        text = translation.ngettext(singular, plural, number)
    return text % values


def sign_in(page: Page, language: str, email: str, password: str) -> None:
    """Fill and send allauth's sign-in form, which the page shows now."""

    def t(message):
        return gettext_in(language, message)

    form = page.locator("main form")
    form.get_by_label(t("Email"), exact=True).fill(email)
    form.get_by_label(t("Password"), exact=True).fill(password)
    form.get_by_role("button", name=t("Sign In"), exact=True).click()


# --- 1. The starter's account ---------------------------------------------------------------


def sign_up_starter(page: Page, site, mailbox) -> None:
    def t(message):
        return gettext_in("kk", message)

    page.goto("/kk/accounts/signup/")
    expect(page.locator("main h1")).to_have_text(t("Sign Up"))
    form = page.locator("main form")
    form.get_by_label(t("Email"), exact=True).fill(STARTER_EMAIL)
    form.get_by_label(t("Password"), exact=True).fill(STARTER_PASSWORD)
    form.get_by_label(t("Password (again)"), exact=True).fill(STARTER_PASSWORD)
    form.get_by_role("button", name=t("Sign Up"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/accounts/confirm-email/")

    # allauth's message, rendered in Kazakh, queued in the outbox and sent by the worker.
    message = mailbox.wait_for(STARTER_EMAIL)
    assert message["Content-Language"] == "kk"
    link = account_confirmation_link(message)
    assert link.startswith(f"{site.url}/kk/accounts/confirm-email/")

    # Following the link shows a button; pressing it verifies the address.
    page.goto(link)
    expect(page.locator("main h1")).to_have_text(t("Confirm Email Address"))
    page.locator("main").get_by_role("button", name=t("Confirm"), exact=True).click()
    # Confirming does not sign in (allauth's default): the sign-in page comes next.
    expect(page).to_have_url(f"{site.url}/kk/accounts/login/")
    sign_in(page, "kk", STARTER_EMAIL, STARTER_PASSWORD)
    expect(page).to_have_url(f"{site.url}/kk/accounts/")
    expect(page.locator("main h1")).to_have_text(t("My account"))
    expect(page.locator("main")).not_to_contain_text(
        t(
            "Your email address is not verified yet. Open the link we emailed you: "
            "you can submit a petition only after that."
        )
    )


# --- 2. Writing and submitting the petition -------------------------------------------------


def start_petition(page: Page, site) -> str:
    """Write the petition through the steps, preview it and submit it; its slug."""

    def t(message, **values):
        return gettext_in("kk", message, **values)

    save_and_continue = t("Save and continue")
    main = page.locator("main")
    page.get_by_role("navigation", name=t("Main")).get_by_role(
        "link", name=t("Start a petition"), exact=True
    ).click()
    expect(page).to_have_url(f"{site.url}/kk/start/")

    # What: title, demand, language (Kazakh already chosen), the starter's public name.
    main.get_by_label(t("Title"), exact=True).fill(KK_TITLE)
    main.get_by_label(t("What you ask"), exact=True).fill(KK_DEMAND)
    expect(main.get_by_label(t("Language of this text"), exact=True)).to_have_value("kk")
    main.get_by_label(t("Your name, as shown on the petition"), exact=True).fill(STARTER_NAME)
    main.get_by_role("button", name=save_and_continue, exact=True).click()

    # Why.
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/why/$"))
    main.get_by_label(t("Why it matters"), exact=True).fill(KK_BODY)
    main.get_by_role("button", name=save_and_continue, exact=True).click()

    # One decision-maker.
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/targets/$"))
    main.get_by_label(t("Name"), exact=True).fill(DECISION_MAKER)
    main.get_by_role("button", name=t("Add"), exact=True).click()
    expect(main.locator("ul.decision-makers li")).to_have_count(1)
    expect(main.locator("ul.decision-makers li strong")).to_have_text(DECISION_MAKER)
    main.get_by_role("link", name=t("Continue"), exact=True).click()

    # A Russian version beside the Kazakh one.
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/versions/$"))
    main.get_by_role("link", name=f"{t('Write')} ({t('Russian')})", exact=True).click()
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/versions/ru/$"))
    main.get_by_label(t("Title"), exact=True).fill(RU_TITLE)
    main.get_by_label(t("What you ask"), exact=True).fill(RU_DEMAND)
    main.get_by_label(t("Why it matters"), exact=True).fill(RU_BODY)
    main.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/versions/$"))
    for language, title in TITLES.items():
        expect(main.locator(f'table td[lang="{language}"]')).to_have_text(title)
    expect(main.locator("table tbody")).not_to_contain_text(t("Incomplete"))
    main.get_by_role("link", name=t("Continue"), exact=True).click()

    # No picture; the default deadline.
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/image/$"))
    main.get_by_role("link", name=t("Skip this step"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/details/$"))
    main.get_by_role("button", name=save_and_continue, exact=True).click()

    # Review: nothing missing, the address the petition will have.
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/review/$"))
    expect(main.locator(".problems")).to_have_count(0)
    address = main.locator("code").inner_text()
    match = re.fullmatch(re.escape(site.url) + r"/kk/p/([a-z0-9-]+)/", address)
    assert match, address
    slug = match.group(1)

    # The preview: the real petition page, marked as not public yet.
    main.get_by_role("link", name=t("See your petition as signers will see it"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/preview/$"))
    expect(page.locator(".preview-banner")).to_contain_text(t("Preview — not public yet"))
    expect(page.locator("article.petition h1")).to_have_text(KK_TITLE)
    expect(page.locator("article.petition h1")).to_have_attribute("lang", "kk")
    preview_form = page.locator("fieldset.preview-sign-form")
    expect(preview_form.get_by_role("button", name=t("Sign"), exact=True)).to_be_disabled()
    page.locator(".preview-banner").get_by_role(
        "link", name=t("Back to your petition"), exact=True
    ).click()

    # Submit.
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/review/$"))
    main.get_by_role("button", name=t("Submit for review"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/kk/start/\d+/submitted/$"))
    expect(main.locator("h1")).to_have_text(t("Awaiting moderation"))

    # The dashboard shows it waiting for a moderator.
    page.goto("/kk/my/petitions/")
    section = main.locator("section.starter-petition").filter(has_text=KK_TITLE)
    expect(section).to_have_count(1)
    expect(section.locator("h2")).to_have_text(KK_TITLE)
    expect(section.locator(".state")).to_have_text(t("Awaiting moderation"))
    return slug


# --- 3. Moderation --------------------------------------------------------------------------


def approve_as_moderator(page: Page, site, mailbox, slug: str) -> None:
    def t(message, **values):
        return gettext_in("ru", message, **values)

    create_moderator(
        site, email=MODERATOR_EMAIL, password=MODERATOR_PASSWORD, totp_secret=MODERATOR_TOTP_SECRET
    )
    page.goto("/ru/moderation/")
    expect(page).to_have_url(re.compile(r"/ru/accounts/login/\?next=/ru/moderation/$"))
    sign_in(page, "ru", MODERATOR_EMAIL, MODERATOR_PASSWORD)

    # The password is not enough: the authenticator app's code comes next.
    expect(page).to_have_url(f"{site.url}/ru/accounts/2fa/authenticate/")
    main = page.locator("main")
    main.get_by_label(t("Code"), exact=True).fill(totp_code(MODERATOR_TOTP_SECRET))
    main.get_by_role("button", name=t("Sign In"), exact=True).click()

    expect(page).to_have_url(f"{site.url}/ru/moderation/")
    expect(main.locator("h1")).to_have_text(t("Review queue"))
    queued = main.get_by_role("link", name=RU_TITLE, exact=True)
    expect(queued).to_have_attribute("href", f"/ru/moderation/p/{slug}/")
    queued.click()

    # The review page (which takes the petition's lock) shows both versions.
    expect(page).to_have_url(f"{site.url}/ru/moderation/p/{slug}/")
    expect(main.locator("h1 span[lang]")).to_have_text(RU_TITLE)
    expect(main.locator("section.version")).to_have_count(2)
    expect(main.locator('section.version[lang="kk"] h2')).to_contain_text(KK_TITLE)
    main.get_by_role("button", name=t("Approve and publish"), exact=True).click()

    expect(page).to_have_url(f"{site.url}/ru/moderation/")
    expect(main.locator(".messages")).to_contain_text(
        t("Approved and published: “%(title)s”.", title=RU_TITLE)
    )
    expect(main.get_by_role("link", name=RU_TITLE, exact=True)).to_have_count(0)

    # The starter is told, in the petition's language.
    approved = mailbox.wait_for(STARTER_EMAIL, count=2)
    assert approved["Content-Language"] == "kk"


# --- 4. Signing -----------------------------------------------------------------------------


def sign_and_confirm(context: BrowserContext, site, mailbox, slug: str, signer: Signer) -> None:
    language = signer.language

    def t(message, **values):
        return gettext_in(language, message, **values)

    page = context.new_page()
    page.goto(f"/{language}/p/{slug}/")
    expect(page.locator("main h1")).to_have_text(TITLES[language])
    form = page.locator("form.sign-form")
    form.get_by_label(t("Full name"), exact=True).fill(signer.full_name)
    form.get_by_label(t("Email"), exact=True).fill(signer.email)
    expect(form.get_by_label(t("Country"), exact=True)).to_have_value("KZ")
    form.get_by_label(t("Email me about this petition"), exact=True).set_checked(
        signer.wants_updates
    )
    form.get_by_label(t("Show my name on the petition page"), exact=True).set_checked(
        signer.show_name
    )
    form.get_by_role("button", name=t("Sign"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/{language}/p/{slug}/check-email/")

    message = mailbox.wait_for(signer.email)
    assert message["Content-Language"] == language
    assert message["Subject"].strip() == t(
        "Confirm your signature: %(title)s", title=TITLES[language]
    )
    link = confirmation_link(message)
    assert link.startswith(f"{site.url}/{language}/confirm/")
    page.goto(link)
    page.get_by_role("button", name=t("Confirm my signature"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(t("Thank you: your signature is confirmed"))

    stored = site.signature(signer.email)
    expected = {
        "state": "confirmed",
        "language": language,
        "show_name": int(signer.show_name),
        "wants_updates": int(signer.wants_updates),
    }
    assert {key: stored[key] for key in expected} == expected


def expect_count(page: Page, slug: str, count: int) -> None:
    """The starter's view of the petition page (never cached: they have cookies)."""
    page.goto(f"/kk/p/{slug}/")
    reload_until_count_shown(page, count)
    expect(page.locator(".count-text")).to_have_text(count_text_in("kk", count))
    wait_for_served_count(page, slug, count)


# --- 5. An update, emailed to signers who asked, and one-click unsubscribe ------------------


def post_update(page: Page, site, slug: str) -> None:
    def t(message, **values):
        return gettext_in("kk", message, **values)

    page.goto(f"/kk/p/{slug}/manage/")
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text(t("Manage your petition"))
    expect(main.locator(".count-text")).to_have_text(
        ngettext_in("kk", "%(n)s signature", "%(n)s signatures", 2, n="2")
    )
    main.get_by_role("link", name=t("Post an update"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/p/{slug}/updates/new/")
    for language, (title, body) in UPDATE.items():
        name = t({"kk": "Kazakh", "ru": "Russian"}[language])
        # (gettext_in's own first parameter is called "language")
        title_label = t("Title (%(language)s)") % {"language": name}
        text_label = t("Text (%(language)s)") % {"language": name}
        main.get_by_label(title_label, exact=True).fill(title)
        main.get_by_label(text_label, exact=True).fill(body)
    main.get_by_role("button", name=t("Post and email the update"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/p/{slug}/manage/")
    expect(main.locator(".messages")).to_have_text(
        t("Your update is on the petition page and is being emailed to signers who asked.")
    )
    expect(main.locator('section[aria-labelledby="updates-title"] li')).to_contain_text(
        UPDATE["kk"][0]
    )


def check_update_email(site, mailbox, signer: Signer) -> str:
    """The update email to `signer` (their second email, after the confirmation link), in their
    language with an unsubscribe link in its headers; that link."""
    language = signer.language
    update_title, update_body = UPDATE[language]
    message = mailbox.wait_for(signer.email, count=2)
    assert message["Content-Language"] == language
    assert message["Subject"].strip() == gettext_in(
        language, "%(update)s · %(title)s", update=update_title, title=TITLES[language]
    )
    body = text_body(message)
    intro = gettext_in(
        language,
        "An update on the petition “%(title)s”, which you signed:",
        title=TITLES[language],
    )
    assert intro in body
    assert update_title in body
    assert update_body in body
    other = "ru" if language == "kk" else "kk"
    assert UPDATE[other][0] not in body

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found = re.fullmatch(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]).strip())
    assert found, message["List-Unsubscribe"]
    url = found.group(1)
    assert url.startswith(f"{site.url}/{language}/unsubscribe/")
    assert url in body
    return url


def one_click_unsubscribe(url: str) -> None:
    """What a mail client does with List-Unsubscribe-Post (RFC 8058): a POST, no cookies."""
    request = urllib.request.Request(
        url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=TIMEOUT_MS / 1000) as response:
        assert response.status == 200


# --- 6. Closing and the delivery package ----------------------------------------------------


def close_early(page: Page, site, slug: str) -> None:
    def t(message, **values):
        return gettext_in("kk", message, **values)

    page.goto(f"/kk/p/{slug}/manage/")
    main = page.locator("main")
    main.get_by_role("link", name=t("Close the petition now"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/p/{slug}/manage/close/")
    expect(main.locator("h1")).to_have_text(t("Close the petition now?"))
    main.get_by_role("button", name=t("Close the petition"), exact=True).click()
    expect(page).to_have_url(f"{site.url}/kk/p/{slug}/manage/")
    expect(main.locator(".messages")).to_have_text(
        t("The petition is closed and no longer accepts signatures.")
    )
    expect(main.locator(".state").first).to_have_text(t("Closed"))


def download_package(page: Page) -> str:
    """The delivery PDF (in Kazakh, the language the form starts with) as text."""

    def t(message):
        return gettext_in("kk", message)

    main = page.locator("main")
    expect(main.get_by_label(t("Language of the PDF"), exact=True)).to_have_value("kk")
    with page.expect_download() as download:
        main.get_by_role("button", name=t("Download the PDF"), exact=True).click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        content = pdf.read()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(pdf_page.extract_text() for pdf_page in reader.pages)
    # Lines wrap wherever the layout put them: compare with single spaces.
    return " ".join(text.split())


# --- The whole life -------------------------------------------------------------------------


def test_petition_lifecycle(new_context, site, mailbox):
    assert set(KAZAKH_LETTERS) <= set(KK_TITLE)
    starter = new_context().new_page()

    # 1. The starter signs up in Kazakh, verifies the address through the email, signs in.
    sign_up_starter(starter, site, mailbox)

    # 2. The petition, written step by step, previewed and submitted.
    slug = start_petition(starter, site)
    # Nobody sees it before a moderator approves it.
    assert new_context().new_page().goto(f"/kk/p/{slug}/").status == 404

    # 3. A moderator with a second factor approves it; it is public.
    approve_as_moderator(new_context().new_page(), site, mailbox, slug)
    starter.goto(f"/kk/p/{slug}/")
    expect(starter.locator("article.petition h1")).to_have_text(KK_TITLE)
    visitor = new_context().new_page()
    response = visitor.goto(f"/ru/p/{slug}/")
    assert response.status == 200
    expect(visitor.locator("article.petition h1")).to_have_text(RU_TITLE)
    starter.goto("/kk/my/petitions/")
    expect(
        starter.locator("section.starter-petition").filter(has_text=KK_TITLE).locator(".state")
    ).to_have_text(gettext_in("kk", "Open for signatures"))

    # 4. Two signatures: one named, in Russian; one unnamed, in Kazakh. Both want updates.
    sign_and_confirm(new_context(), site, mailbox, slug, NAMED_RUSSIAN)
    sign_and_confirm(new_context(), site, mailbox, slug, UNNAMED_KAZAKH)
    expect_count(starter, slug, 2)
    expect(starter.locator(".recent li")).to_have_text([NAMED_RUSSIAN_SHOWN_AS])

    # 5. An update in both languages reaches each signer in theirs; one-click unsubscribe works
    # without cookies, and the signature keeps counting.
    post_update(starter, site, slug)
    unsubscribe_urls = {
        signer.email: check_update_email(site, mailbox, signer)
        for signer in (NAMED_RUSSIAN, UNNAMED_KAZAKH)
    }
    one_click_unsubscribe(unsubscribe_urls[NAMED_RUSSIAN.email])
    after = site.signature(NAMED_RUSSIAN.email)
    assert (after["state"], after["wants_updates"]) == ("confirmed", 0)
    assert site.signature(UNNAMED_KAZAKH.email)["wants_updates"] == 1
    expect_count(starter, slug, 2)

    # 6. Closed early; the delivery package names only the signer who agreed.
    close_early(starter, site, slug)
    text = download_package(starter)
    assert KK_TITLE in text, text
    assert (
        ngettext_in(
            "kk",
            "%(count)s person signed this petition.",
            "%(count)s people signed this petition.",
            2,
            count="2",
        )
        in text
    ), text
    assert NAMED_RUSSIAN_SHOWN_AS in text, text
    assert NAMED_RUSSIAN.full_name not in text
    for part in UNNAMED_KAZAKH.full_name.split():
        assert part not in text, text
    assert NAMED_RUSSIAN.email not in text
    assert UNNAMED_KAZAKH.email not in text
    expect_count(starter, slug, 2)
    expect(starter.locator(".closed-notice")).to_have_text(
        gettext_in("kk", "This petition is closed and no longer accepts signatures.")
    )
