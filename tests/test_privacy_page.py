"""The privacy page says what this instance really does: it is generated from its settings."""

import re

import pytest
from django.utils import translation
from django.utils.html import escape

from tests.conftest import HOSTILE

pytestmark = pytest.mark.django_db
LANGUAGES = ["kk", "ru", "en"]


def page(client, language="en") -> str:
    response = client.get(f"/{language}/privacy/")
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_in_each_language_and_follows_the_settings(client, settings, language):
    settings.UNDEU_SIGNATURE_RETENTION_DAYS = 93
    settings.UNDEU_RETENTION_NOTICE_DAYS = 11
    settings.UNDEU_IP_RETENTION_DAYS = 21
    settings.UNDEU_SENT_EMAIL_DAYS = 17
    settings.UNDEU_SIGNER_MIN_AGE = 14
    html = page(client, language)
    assert f'<html lang="{language}">' in html
    for number in ("93", "11", "21", "17", "14"):
        assert re.search(rf"(?<!\d){number}(?!\d)", text(html)), number
    assert 'id="rights"' in html and 'id="how-long"' in html
    with translation.override(language):
        from django.utils.translation import gettext

        assert gettext("How long we keep it") in html
    if language != "en":
        assert "How long we keep it" not in html


def test_retention_and_age_wording(client, settings):
    settings.UNDEU_SIGNATURE_RETENTION_DAYS = 1
    settings.UNDEU_IP_RETENTION_DAYS = 30
    settings.UNDEU_SIGNER_MIN_AGE = 18
    settings.UNDEU_REQUIRE_AGE_CHECKBOX = False
    html = text(page(client))
    assert "until 1 day after the petition closes" in html
    assert "The IP address and network: 30 days after you sign" in html
    assert "If you are under 18" in html
    assert "asks you to confirm" not in html
    settings.UNDEU_REQUIRE_AGE_CHECKBOX = True
    assert "asks you to confirm that you are 18 or older" in text(page(client))


def test_the_checks_follow_the_settings(client, settings):
    settings.UNDEU_CHECK_EMAIL_DNS = False
    settings.UNDEU_REFUSE_DISPOSABLE_EMAIL = False
    settings.REDIS_URL = ""
    settings.UNDEU_LIMIT_PER_IP = [(10, 60), (100, 86400)]
    settings.UNDEU_LIMIT_PER_NETWORK = [(30, 60)]
    settings.UNDEU_LIMIT_PER_DOMAIN = []
    html = text(page(client))
    assert "DNS" not in html and "throwaway" not in html
    assert "at most 24 hours, in this site’s database" in html

    settings.UNDEU_CHECK_EMAIL_DNS = True
    settings.UNDEU_REFUSE_DISPOSABLE_EMAIL = True
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.UNDEU_LIMIT_PER_IP = [(1, 3601)]
    settings.UNDEU_LIMIT_PER_NETWORK = []
    html = text(page(client))
    assert "We ask the DNS" in html and "throwaway" in html
    assert "at most 2 hours, in the memory of this site’s cache server" in html

    settings.UNDEU_LIMIT_PER_IP = []
    assert "Signatures are not counted per IP address" in text(page(client))


def test_who_sees_names_follows_the_settings(client, settings):
    settings.UNDEU_RECENT_SIGNERS = 10
    assert "If you ticked “Show my name”" in text(page(client))
    settings.UNDEU_RECENT_SIGNERS = 0
    assert "Petition pages show no signers’ names." in text(page(client))


@pytest.mark.parametrize(
    ("contact", "link"),
    [
        ("privacy@example.org", '<a href="mailto:privacy@example.org">privacy@example.org</a>'),
        (
            "https://example.org/dpo",
            '<a href="https://example.org/dpo">https://example.org/dpo</a>',
        ),
        ("javascript:alert(1)", None),
        (f"Офис {HOSTILE}", None),
        ("privacy@example.org?cc=x@evil.example", None),
    ],
)
def test_the_operators_contact(client, settings, contact, link):
    settings.UNDEU_OPERATOR_NAME = f"Қоғам {HOSTILE}"
    settings.UNDEU_PRIVACY_CONTACT = contact
    html = page(client)
    assert HOSTILE not in html
    assert escape(f"Қоғам {HOSTILE}") in html
    if link:
        assert link in html
    else:
        assert escape(contact) in html
        assert "javascript:" not in re.findall(r'href="([^"]*)"', html).__str__()
        assert 'href="mailto:' not in html


def test_without_a_contact_the_page_names_the_operator(client, settings):
    settings.UNDEU_OPERATOR_NAME = "Example Foundation"
    settings.UNDEU_PRIVACY_CONTACT = ""
    assert "contact Example Foundation, who runs this site" in text(page(client))


def test_the_page_is_cacheable_and_linked_from_the_signing_form(client, petition):
    response = client.get("/kk/privacy/")
    assert not response.cookies
    form = client.get(f"/kk/p/{petition.slug}/").content.decode()
    sign_form = form[form.index('class="sign-form"') :]
    assert 'href="/kk/privacy/"' in sign_form[: sign_form.index("</form>")]
