"""The moderators' defence pages: who may see them, their forms and their answers to bad input,
in each language."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import translation

from tests.conftest import HOSTILE
from undeu.audit.models import AuditEntry
from undeu.defence import modes
from undeu.defence.models import Alert, BulkAction
from undeu.petitions.models import DefenceMode
from undeu.signatures.counting import stored_count
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.signing import Origin, sign

from .conftest import signature_request

pytestmark = pytest.mark.django_db
LANGUAGES = ["kk", "ru", "en"]
S = SignatureState


@pytest.fixture(autouse=True)
def _fresh_switches():
    modes.forget_site_mode()
    yield
    modes.forget_site_mode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator", "m@example.com", None, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def moderator_client(moderator):
    return logged_in(moderator)


@pytest.fixture
def flagged(petition):
    sign(
        petition.pk,
        signature_request("bot@bots.example", full_name=f"Bot {HOSTILE}"),
        base_url="http://testserver",
        origin=Origin("203.0.113.9", "203.0.113.0/24"),
        flags=["honeypot"],
    )
    return Signature.objects.get()


PAGES = [
    "/{lang}/moderation/defence/",
    "/{lang}/moderation/defence/site/",
    "/{lang}/moderation/defence/p/park/",
    "/{lang}/moderation/defence/p/park/bulk/",
    "/{lang}/moderation/defence/p/park/bulk/?network=203.0.113.0/24",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_for_a_moderator_escaped_and_translated(
    moderator_client, petition, flagged, language
):
    for path in PAGES:
        response = moderator_client.get(path.format(lang=language))
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert HOSTILE not in html  # shown escaped
        assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    page = moderator_client.get(f"/{language}/moderation/defence/p/park/").content.decode()
    with translation.override(language):
        assert translation.gettext("Flagged signatures") in page
    assert "bots.example" in page
    with translation.override(language):
        assert translation.gettext("filled in the hidden field that only bots see") in page


def test_people_who_are_not_moderators_get_nothing(client, petition, django_user_model):
    for path in PAGES:
        assert client.get(path.format(lang="kk")).status_code == 302  # to the login page
    starter = logged_in(django_user_model.objects.create_user("starter", "s@example.com", None))
    for path in PAGES:
        assert starter.get(path.format(lang="kk")).status_code == 403
    assert starter.post("/kk/moderation/defence/site/", {"mode-mode": "paused"}).status_code == 403
    assert modes.stored_site_mode() == DefenceMode.OFF


def test_staff_without_a_second_factor_are_sent_to_set_one_up(petition, django_user_model):
    staff = django_user_model.objects.create_user("staff", "st@example.com", None, is_staff=True)
    response = logged_in(staff).get("/kk/moderation/defence/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_a_moderator_accepts_a_flagged_signature(moderator_client, petition, flagged):
    from undeu.signatures.confirming import confirm

    confirm(flagged)
    response = moderator_client.post(f"/kk/moderation/defence/p/park/accept/{flagged.pk}/")
    assert response.status_code == 303
    assert Signature.objects.get(pk=flagged.pk).state == S.CONFIRMED
    assert stored_count(petition.pk) == 1
    assert AuditEntry.objects.filter(action="signature.accepted").count() == 1
    # Accepting again (a second click, another moderator) finds nothing flagged.
    again = moderator_client.post(f"/kk/moderation/defence/p/park/accept/{flagged.pk}/")
    assert again.status_code == 404


def test_the_switches_from_the_pages(moderator_client, petition):
    response = moderator_client.post(
        "/ru/moderation/defence/p/park/", {"mode-mode": "tight", "mode-reason": "боты"}
    )
    assert response.status_code == 303
    petition.refresh_from_db()
    assert petition.defence == DefenceMode.TIGHT
    response = moderator_client.post("/ru/moderation/defence/site/", {"mode-mode": "paused"})
    assert response.status_code == 303
    assert modes.stored_site_mode() == DefenceMode.PAUSED
    entries = AuditEntry.objects.order_by("pk").values_list("action", "reason")
    assert list(entries) == [("defence.petition", "боты"), ("defence.site", "")]


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize(
    ("query", "field", "english"),
    [
        ("network=10.0.0.0/8", "network", "Enter an IP address, or a network from"),
        ("network=<script>", "network", "Enter an IP address, or a network from"),
        ("after=yesterday", "after", "Enter a date and time."),
        ("after=2026-12-04T10:00&before=2026-12-04T09:00", "before", "later than the start"),
        ("country=XX", "country", "Choose one of the options."),
        ("name=" + "x" * 500, "name", "Use at most 120 characters."),
        ("domain=a%01b", "domain", "Use letters, digits, spaces and punctuation only."),
    ],
)
def test_bad_criteria_get_a_translated_400_and_change_nothing(
    moderator_client, petition, flagged, language, query, field, english
):
    def error(in_language):
        response = moderator_client.get(f"/{in_language}/moderation/defence/p/park/bulk/?{query}")
        assert response.status_code == 400
        return response.context["form"].errors[field][0]

    assert english in error("en")
    assert english not in error(language)  # said in the moderator's language
    assert not BulkAction.objects.exists()


def test_no_criteria_previews_nothing(moderator_client, petition, flagged):
    response = moderator_client.get("/en/moderation/defence/p/park/bulk/?network=&domain=")
    assert response.status_code == 200
    assert response.context["no_criteria"] and "preview" not in response.context


def test_a_run_needs_a_reason_and_criteria(moderator_client, petition, flagged):
    url = "/kk/moderation/defence/p/park/bulk/start/"
    assert (
        moderator_client.post(url + "?network=203.0.113.9", {"kind": "invalidate"}).status_code
        == 400
    )
    assert moderator_client.post(url, {"kind": "invalidate", "reason": "x"}).status_code == 400
    assert (
        moderator_client.post(
            url + "?network=203.0.113.9", {"kind": "delete", "reason": "x"}
        ).status_code
        == 400
    )
    assert not BulkAction.objects.exists()
    assert Signature.objects.get().state == S.FLAGGED


def test_the_action_page_refreshes_itself_while_running_and_offers_cancel(
    moderator_client, petition, flagged, monkeypatch
):
    from undeu.defence import bulk

    monkeypatch.setattr(bulk, "enqueue", lambda *args, **kwargs: None)
    moderator_client.post(
        "/en/moderation/defence/p/park/bulk/start/?flagged_only=on",
        {"kind": "accept", "reason": "a school"},
    )
    action = BulkAction.objects.get()
    page = moderator_client.get(f"/en/moderation/defence/actions/{action.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert f'action="/en/moderation/defence/actions/{action.pk}/cancel/"' in page
    assert (
        moderator_client.post(f"/en/moderation/defence/actions/{action.pk}/cancel/").status_code
        == 303
    )
    assert BulkAction.objects.get().cancel_requested


def test_dismissing_an_alert_is_audit_logged_once(moderator_client, petition):
    alert = Alert.objects.create(
        petition=petition,
        dimension="domain",
        value="x.example",
        signatures=30,
        expected=2,
        total=90,
    )
    assert (
        moderator_client.post(f"/kk/moderation/defence/alerts/{alert.pk}/dismiss/").status_code
        == 303
    )
    moderator_client.post(f"/kk/moderation/defence/alerts/{alert.pk}/dismiss/")
    assert Alert.objects.get().status == Alert.Status.DISMISSED
    assert AuditEntry.objects.filter(action="defence.alert_dismissed").count() == 1


def test_flag_reasons_read_as_words():
    from undeu.defence.templatetags.defence import flag_label

    with translation.override("en"):
        assert flag_label("network-60s") == "over the limit for the network in 1 minute"
        assert flag_label("ip-86400s") == "over the limit for the IP address in 1 day"
        assert flag_label("petition-7200s") == "over the limit for the petition in 2 hours"
        assert flag_label("domain-90s") == "over the limit for the email domain in 90 seconds"
        assert flag_label("something-else") == "something-else"
