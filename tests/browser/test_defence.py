"""The abuse defences in the browser: the honeypot nobody sees, and a moderator's alert, preview,
bulk invalidation with its progress bar, and undo, each page checked with axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import create_moderator, gettext_in, site_shell, totp_code
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_petition_lifecycle import sign_in

pytestmark = pytest.mark.browser

EMAIL = "moderator.dana@example.com"
PASSWORD = "Qorgau-qalqan-2026!"
SECRET = "KRUGS4ZANFZSAYLOEBQXK5DIMVXHIYLU"
SLUG = "koktem-park"


def t(message, **values):
    return gettext_in("kk", message, **values)


def test_the_honeypot_is_invisible_and_skipped(page: Page):
    page.goto(f"/kk/p/{SLUG}/")
    form = page.locator("form.sign-form")
    expect(form.locator('input[name="website"]')).to_be_hidden()
    expect(form.get_by_label(t("Full name"), exact=True)).to_be_visible()


def test_a_moderator_previews_runs_and_undoes_a_bulk_invalidation(page: Page, site):
    create_moderator(site, email=EMAIL, password=PASSWORD, totp_secret=SECRET)
    # Signatures from one network, and an alert about it, as the trending job would leave them.
    alert_id = site_shell(
        site,
        f"""
from undeu.defence.models import Alert
from undeu.petitions.models import Petition
from undeu.signatures.confirming import confirm
from undeu.signatures.models import Signature
from undeu.signatures.signing import Origin, SignatureRequest, sign
petition = Petition.objects.get(slug="{SLUG}")
for i in range(12):
    email = f"bot{{i}}@bots.example"
    request = SignatureRequest("Бот Ботов", email, "KZ", "", False, False, "kk")
    sign(petition.pk, request, base_url="http://x", origin=Origin("203.0.113.9", "203.0.113.0/24"),
         flags=["network-60s"] if i >= 4 else [])
    confirm(Signature.objects.for_email(email).get())
alert = Alert.objects.create(petition=petition, dimension="network", value="203.0.113.0/24",
    signatures=12, expected=1, total=12,
    evidence={{"criteria": {{"network": "203.0.113.0/24"}},
              "by_hour": [["2026-12-04T10:00:00+00:00", 12]],
              "states": {{"confirmed": 4, "flagged": 8}}, "related": [["bots.example", 12]]}})
print("alert", alert.pk)
""",
    )
    alert_id = re.search(r"^alert (\d+)$", alert_id, re.M).group(1)

    page.goto("/kk/moderation/defence/")
    sign_in(page, "kk", EMAIL, PASSWORD)
    main = page.locator("main")
    main.get_by_label(t("Code"), exact=True).fill(totp_code(SECRET))
    main.get_by_role("button", name=t("Sign In"), exact=True).click()
    expect(main.locator("h1")).to_have_text(t("Signing alerts"))
    assert_accessible(page, "alerts")

    main.locator(f'a[href="/kk/moderation/defence/alerts/{alert_id}/"]').click()
    expect(main.locator("table.by-hour")).to_be_visible()
    assert_accessible(page, "alert")

    main.get_by_role("link", name=t("Preview a bulk invalidation of these signatures")).click()
    expect(main.locator(".preview [role=status]")).to_contain_text("12")
    assert_accessible(page, "bulk preview")

    main.get_by_label(t("Why (kept in the audit log)"), exact=True).fill("бір желіден")
    main.get_by_role("button", name=t("Start"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/kk/moderation/defence/actions/\d+/$"))
    # The worker runs it; the page refreshes itself until it is done.
    expect(main.locator("p.state")).to_have_text(t("Done"), timeout=20_000)
    expect(main.locator("progress")).to_have_attribute("value", "12")
    assert_accessible(page, "bulk action, done")

    main.get_by_role("button", name=t("Undo"), exact=True).click()
    expect(main.locator("p.state")).to_have_text(t("Undone"), timeout=20_000)
    states = site_shell(
        site,
        """
from collections import Counter
from undeu.signatures.models import Signature
rows = Signature.objects.filter(network="203.0.113.0/24").values_list("state", flat=True)
print(sorted(Counter(rows).items()))
""",
    )
    assert "[('confirmed', 4), ('flagged', 8)]" in states

    page.goto(f"/kk/moderation/defence/p/{SLUG}/")
    expect(main.locator("table.flagged tbody tr")).to_have_count(8)
    assert_accessible(page, "petition defences")
    page.goto("/kk/moderation/defence/site/")
    assert_accessible(page, "site-wide switch")
