"""Data rights without an account: a link by email, then every petition signed, the data as
JSON, withdrawing, stopping all emails and erasing, each audit-logged without personal data."""

import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import mail, serializers
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from pypdf import PdfReader

from tests.conftest import signature_request
from undeu.audit.models import AuditEntry
from undeu.datarights.links import forget_expired_links
from undeu.datarights.models import AccessLink, EmailSuppression
from undeu.delivery.models import ThresholdReached
from undeu.delivery.thresholds import record_thresholds
from undeu.mail.models import OutgoingEmail
from undeu.petitions.models import PetitionVersion
from undeu.signatures.confirming import confirm
from undeu.signatures.counting import add_to_count, current_count, recount
from undeu.signatures.identity import email_digest, normalise_email
from undeu.signatures.models import Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import sign
from undeu.updates.mailing import send_batch
from undeu.updates.models import Mailing
from undeu.updates.posting import post_update

pytestmark = pytest.mark.django_db

AIGERIM = "aigerim.rights@example.com"
AIGERIM_NAME = "Айгерім Құқықова"
OTHER = "other.signer@example.com"
LINK = re.compile(r"https?://testserver/(kk|ru|en)/my-signatures/([A-Za-z0-9_-]{43})/")
FROM_ANOTHER_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return escape(gettext(text))


def signed(petition, email=AIGERIM, *, confirmed=True, **overrides) -> Signature:
    """Sign (and confirm) through the services; found by the mailbox's keyed hash, never by
    the address itself."""
    overrides.setdefault("full_name", AIGERIM_NAME if email == AIGERIM else "Other Signer")
    sign(petition.pk, signature_request(email, **overrides), base_url="http://testserver")
    signature = Signature.objects.get(
        petition=petition, email_digest=email_digest(normalise_email(email))
    )
    if confirmed:
        confirm(signature)
    return signature


def ask_for_link(client, email=AIGERIM, language="kk", **extra):
    return client.post(f"/{language}/my-signatures/", {"email": email}, **extra)


@pytest.fixture
def link_for(client, django_capture_on_commit_callbacks):
    """Ask for a link as a visitor would and return its path, read from the email sent."""

    def get(email=AIGERIM, language="kk") -> str:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = ask_for_link(client, email, language)
        assert response.status_code == 303, response.content[:300]
        assert len(mail.outbox) == before + 1
        found = LINK.search(mail.outbox[-1].body)
        assert found, mail.outbox[-1].body
        return f"/{found[1]}/my-signatures/{found[2]}/"

    return get


def everything() -> str:
    """Every row of every table, as text."""
    return "".join(
        serializers.serialize("json", model.objects.all())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    )


# --- Asking for a link ----------------------------------------------------------------------


def test_every_page_links_to_the_request_form_which_is_cacheable(client, petition):
    home = client.get("/kk/").content.decode()
    assert 'href="/kk/my-signatures/"' in home
    assert translated("kk", "Your signatures") in home
    page = client.get("/ru/my-signatures/")
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert "public" in page["Cache-Control"]
    assert not page.cookies


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_link_is_emailed_in_the_visitors_language_and_only_its_hash_is_kept(
    client, petition, language, link_for
):
    signed(petition)
    path = link_for(AIGERIM, language)
    message = mail.outbox[-1]
    assert message.to == [AIGERIM]
    assert message.extra_headers["Content-Language"] == language
    with translation.override(language):
        assert message.subject == gettext("Your signatures on %(site_name)s") % {
            "site_name": "Undeu"
        }
    assert "24" in message.body
    token = path.rstrip("/").rsplit("/", 1)[1]
    link = AccessLink.objects.get()
    assert link.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert link.email_digest == email_digest(AIGERIM)
    # Once sent, the token is nowhere in the database, nor is the address outside the outbox.
    stored = everything()
    assert token not in stored
    assert OutgoingEmail.objects.get(kind="datarights_link").context == {}


def test_the_same_answer_whether_or_not_an_address_signed(client, petition, link_for):
    signed(petition)
    answers = [ask_for_link(client, address) for address in (AIGERIM, "nobody@example.com")]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0]["Location"] == answers[1]["Location"] == "/kk/my-signatures/sent/"
    pages = [client.get(a["Location"]).content for a in answers]
    assert pages[0] == pages[1]
    assert translated("kk", "Check your email") in pages[0].decode()
    # Both mailboxes get a link; only the page behind it says what was signed.
    unknown = link_for("nobody@example.com")
    page = client.get(unknown).content.decode()
    assert translated("kk", "We have no signatures from this address.") in page


HOSTILE_EMAILS = {
    "empty": ("", "This field is required."),
    "huge": ("a" * 100_000 + "@example.com", "This is too long."),
    "nul": ("aigerim\x00@example.com", "Enter a valid email address."),
    "markup": ('<script>alert("x")</script>@example.com', "Enter a valid email address."),
    "markup-domain": ("aigerim@<b>example</b>.com", "Enter a valid email address."),
    "mixed-scripts-and-markup": ("Айгерім<img src=x>@пример.kz", "Enter a valid email address."),
    "direction-override": ("aigerim\u202e@example.com", "Enter a valid email address."),
    "control": ("aigerim\x07@example.com", "Enter a valid email address."),
    "no-domain": ("aigerim@", "Enter a valid email address."),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_EMAILS))
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_hostile_addresses_are_a_400_with_a_translated_message(client, db, case, language):
    value, message = HOSTILE_EMAILS[case]
    response = ask_for_link(client, value, language)
    assert response.status_code == 400
    page = response.content.decode()
    assert translated(language, message) in page
    assert "<script>alert" not in page and "<img src=x>" not in page
    assert "no-store" in response["Cache-Control"]
    assert not AccessLink.objects.exists() and not OutgoingEmail.objects.exists()


@pytest.mark.parametrize(
    "address", ["aigerіm@example.com", "айгерим@пример.kz", "AIGERIM.Rights@EXAMPLE.com"]
)
def test_addresses_signing_accepts_get_the_usual_answer(client, db, address):
    """What the signing form accepts (a Cyrillic і among Latin letters, a Cyrillic domain) is
    accepted here too, or its signer could never reach their data; the answer is the same."""
    response = ask_for_link(client, address)
    assert response.status_code == 303
    assert response["Location"] == "/kk/my-signatures/sent/"


def test_a_cross_site_request_is_refused(client, db):
    response = ask_for_link(client, AIGERIM, headers=FROM_ANOTHER_SITE)
    assert response.status_code == 403
    assert not AccessLink.objects.exists()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_requests_are_rate_limited_per_mailbox_with_a_translated_429(
    client, db, settings, language
):
    settings.UNDEU_DATARIGHTS_LIMIT_PER_EMAIL = [(2, 3600)]
    settings.UNDEU_DATARIGHTS_LIMIT_PER_IP = [(100, 3600)]
    # One mailbox however it is spelled: the limit counts the keyed hash of the mailbox.
    for address in (AIGERIM, AIGERIM.upper()):
        assert ask_for_link(client, address, language).status_code == 303
    refused = ask_for_link(client, f" {AIGERIM} ", language)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    page = refused.content.decode()
    assert f'<html lang="{language}">' in page
    assert translated(language, "Too many requests") in page
    assert AccessLink.objects.count() == 2
    assert ask_for_link(client, OTHER, language).status_code == 303


def test_requests_are_rate_limited_per_client_address(client, db, settings):
    settings.UNDEU_DATARIGHTS_LIMIT_PER_IP = [(3, 3600)]
    statuses = [
        ask_for_link(client, f"n{i}@example.com", REMOTE_ADDR="198.51.100.7").status_code
        for i in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    assert ask_for_link(client, "n9@example.com", REMOTE_ADDR="198.51.100.8").status_code == 303


# --- The link -------------------------------------------------------------------------------


def test_the_link_works_repeatedly_until_it_expires(client, petition, settings, link_for):
    settings.UNDEU_DATARIGHTS_LINK_HOURS = 2
    signed(petition)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        path = link_for()
    with time_machine.travel(now + timedelta(hours=1, minutes=59), tick=False):
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 200
        assert client.post(path, {"action": "download"}).status_code == 200
    with time_machine.travel(now + timedelta(hours=2, seconds=1), tick=False):
        expired = client.get(path)
        assert expired.status_code == 404
        assert translated("kk", "This link does not work") in expired.content.decode()
        assert client.post(path, {"action": "erase", "confirm": "on"}).status_code == 404
        assert forget_expired_links() == 1
    assert Signature.objects.get().full_name == AIGERIM_NAME


@pytest.mark.parametrize(
    "token",
    ["x", "a" * 43, "a" * 5000, "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "..%2F..%2Fetc", "💥"],
)
def test_wrong_or_hostile_tokens_are_a_404(client, petition, token, link_for):
    signed(petition)
    link_for()
    for response in (
        client.get(f"/ru/my-signatures/{token}/"),
        client.post(f"/ru/my-signatures/{token}/", {"action": "erase", "confirm": "on"}),
    ):
        assert response.status_code == 404
        if "%2F" not in token:  # a slash makes it another address, not a token
            assert translated("ru", "Ask for a new link") in response.content.decode()
            assert "no-store" in response["Cache-Control"]
    assert Signature.objects.get().full_name == AIGERIM_NAME


def test_a_nul_byte_in_the_token_is_a_400(client, db):
    assert client.get("/kk/my-signatures/a%00b/").status_code == 400


def test_the_page_lists_every_petition_the_mailbox_signed(
    client, make_petition, petition, link_for
):
    second = make_petition("river", languages=("kk",))
    PetitionVersion.objects.filter(petition=second).update(title="Өзенді тазалайық")
    # A mailbox spelled two ways is one signer (identity.mailbox): gmail ignores dots.
    signed(petition, "a.i.gerim@gmail.com", full_name=AIGERIM_NAME)
    signed(second, "aigerim@googlemail.com", full_name=AIGERIM_NAME, confirmed=False)
    signed(petition, OTHER)
    path = link_for("aigerim@gmail.com", "ru")
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = response.content.decode()
    assert page.count('class="card"') == 2
    assert "Сохраним парк &lt;script&gt;" in page  # the Russian version, escaped
    assert "Өзенді тазалайық" in page  # only in Kazakh
    assert translated("ru", "Confirmed") in page
    assert translated("ru", "Awaiting email confirmation") in page
    assert "Other Signer" not in page
    assert 'name="robots" content="noindex"' in page


def test_opening_the_link_changes_nothing_but_is_logged_once(client, petition, link_for):
    signature = signed(petition)
    path = link_for()

    def state():
        return current_count(petition.pk), list(Signature.objects.order_by("pk").values())

    before = state()
    for _ in range(3):
        client.get(path)
        client.head(path)
    assert state() == before
    opened = AuditEntry.objects.filter(action="datarights.link_opened")
    assert [entry.data for entry in opened] == [{"signatures": [signature.pk]}]


def test_a_cross_site_post_from_the_link_is_refused(client, petition, link_for):
    signed(petition)
    path = link_for()
    for data in ({"action": "erase", "confirm": "on"}, {"action": "stop_emails"}):
        assert client.post(path, data, headers=FROM_ANOTHER_SITE).status_code == 403
    assert Signature.objects.get().full_name == AIGERIM_NAME
    assert not EmailSuppression.objects.exists()


def test_an_unknown_action_is_a_400(client, petition, link_for):
    signed(petition)
    response = client.post(link_for(), {"action": "<script>"})
    assert response.status_code == 400
    assert translated("kk", "Choose one of the buttons on the page.") in response.content.decode()


# --- Download -------------------------------------------------------------------------------


def test_the_data_downloads_as_json(client, make_petition, petition, link_for):
    second = make_petition("river", languages=("kk", "ru"))
    first = signed(
        petition, city="Алматы", country="KZ", wants_updates=True, show_name=True, language="ru"
    )
    other = signed(second, confirmed=False, city="", country="DE", show_name=False)
    signed(petition, OTHER)
    response = client.post(link_for(language="ru"), {"action": "download"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="my-signatures.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["all_emails_stopped"] is False
    assert [s["id"] for s in data["signatures"]] == [first.pk, other.pk]
    one, two = data["signatures"]
    assert one["full_name"] == AIGERIM_NAME and one["email"] == AIGERIM
    assert one["petition"]["title"] == 'Сохраним парк <script>alert("x")</script>'
    assert one["petition"]["address"] == "http://testserver/ru/p/park/"
    assert (one["country"], one["country_name"], one["city_or_region"]) == (
        "KZ",
        "Казахстан",
        "Алматы",
    )
    assert one["language"] == "ru"
    assert one["wants_emails_about_the_petition"] is True and one["name_may_be_shown"] is True
    assert one["state"] == "confirmed" and one["confirmed_at"] and one["signed_at"]
    assert (two["state"], two["confirmed_at"], two["country"]) == ("pending", None, "DE")
    assert "Other Signer" not in response.content.decode()
    entry = AuditEntry.objects.get(action="datarights.downloaded")
    assert entry.data == {"signatures": [first.pk, other.pk]}


# --- Withdrawing ----------------------------------------------------------------------------


def csv_text(client, petition) -> str:
    response = client.get(f"/en/p/{petition.slug}/manage/signatures.csv?language=en")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def pdf_text(client, petition) -> str:
    response = client.get(f"/en/p/{petition.slug}/manage/package.pdf?language=en")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_withdrawing_moves_the_count_the_goal_the_thresholds_and_the_exports(
    client, make_petition, starter, settings, link_for, django_capture_on_commit_callbacks
):
    settings.UNDEU_THRESHOLDS = [(50, "response")]
    owned = make_petition("park", starter=starter)
    signature = signed(owned, show_name=True, city="Алматы")
    signed(owned, OTHER, show_name=True, city="Астана")
    # 48 signatures more, as the count shards hold them: 50 in all, the threshold and a goal.
    add_to_count(owned.pk, 48)
    assert current_count(owned.pk) == 50
    assert record_thresholds() == 1
    page = client.get("/en/p/park/").content.decode()
    assert "50 people have signed. Let’s get to 100." in page
    assert "Awaiting a response from the targets" in page
    starter_client = Client()
    starter_client.force_login(starter)
    assert "Айгерім Қ." in csv_text(starter_client, owned)
    assert "Айгерім Қ." in pdf_text(starter_client, owned)

    path = link_for()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"action": "withdraw", "signature": str(signature.pk)})
    assert response.status_code == 303
    assert response["Location"] == f"{path}?done=withdrawn"
    after = client.get(response["Location"]).content.decode()
    assert translated("kk", "Your signature is withdrawn. It no longer counts.") in after
    assert translated("kk", "Withdrawn") in after

    signature.refresh_from_db()
    assert signature.state == SignatureState.WITHDRAWN
    assert current_count(owned.pk) == 49
    page = client.get("/en/p/park/").content.decode()
    assert "49 people have signed. Let’s get to 50." in page
    assert "Awaiting a response from the targets" not in page
    assert record_thresholds() == 1
    assert ThresholdReached.objects.get().reverted_at is not None
    csv, pdf = csv_text(starter_client, owned), pdf_text(starter_client, owned)
    assert "Айгерім Қ." not in csv and "Алматы" not in csv
    assert "Other S." in csv and "Total,1" in csv
    assert "Айгерім Қ." not in pdf and "Other S." in pdf
    event = SignatureEvent.objects.filter(signature=signature).latest("pk")
    assert event.kind == SignatureEvent.Kind.WITHDRAWN
    entry = AuditEntry.objects.get(action="datarights.withdrawn")
    assert (entry.petition, entry.data) == (owned, {"signature": signature.pk, "was": "confirmed"})

    # Pressed again (a second tab): nothing more changes.
    assert client.post(path, {"action": "withdraw", "signature": str(signature.pk)}).status_code
    assert current_count(owned.pk) == 49
    assert AuditEntry.objects.filter(action="datarights.withdrawn").count() == 1


@pytest.mark.parametrize("value", ["other", "", "-1", "1e3", "١٢", "9" * 40, "<b>1</b>"])
def test_only_ones_own_signature_can_be_withdrawn(client, petition, link_for, value):
    signed(petition)
    theirs = signed(petition, OTHER)
    value = str(theirs.pk) if value == "other" else value
    response = client.post(link_for(), {"action": "withdraw", "signature": value})
    assert response.status_code == 400
    assert translated("kk", "This is not one of your signatures.") in response.content.decode()
    assert set(Signature.objects.values_list("state", flat=True)) == {SignatureState.CONFIRMED}
    assert current_count(petition.pk) == 2


# --- Stopping all emails --------------------------------------------------------------------


def test_stopping_all_emails_suppresses_mailings_now_and_on_petitions_signed_later(
    client, make_petition, starter, link_for, django_capture_on_commit_callbacks
):
    owned = make_petition("park", starter=starter)
    later = make_petition("river", starter=starter)
    signed(owned, wants_updates=True)
    signed(owned, OTHER, wants_updates=True)
    # An update already queued for them and not yet sent is dropped too.
    update = post_update(
        owned, author=starter, texts={"kk": ("Бірінші", "Мәтін")}, base_url="http://x"
    )
    send_batch(Mailing.objects.get(update=update).pk, 0)
    assert OutgoingEmail.objects.filter(kind="petition_update").count() == 2

    path = link_for()
    response = client.post(path, {"action": "stop_emails"})
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert translated("kk", "Done: we will send you no more emails.") in page
    assert translated("kk", "Allow emails again") in page
    assert EmailSuppression.objects.filter(email_digest=email_digest(AIGERIM)).exists()
    assert list(OutgoingEmail.objects.filter(kind="petition_update").values_list("to")) == [
        (OTHER,)
    ]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(owned, author=starter, texts={"kk": ("Екінші", "Мәтін")}, base_url="http://x")
    assert [m.to for m in mail.outbox] == [[OTHER]]

    # A petition signed later, asking for emails: its confirmation goes (they just asked for
    # it), its mailings do not.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(
            later.pk,
            signature_request(AIGERIM, wants_updates=True, full_name=AIGERIM_NAME),
            base_url="http://testserver",
        )
    assert [m.to for m in mail.outbox] == [[AIGERIM]]
    confirm(Signature.objects.get(petition=later, email_digest=email_digest(AIGERIM)))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(later, author=starter, texts={"kk": ("Үшінші", "Мәтін")}, base_url="http://x")
    assert mail.outbox == []

    entry = AuditEntry.objects.get(action="datarights.emails_stopped")
    assert len(entry.data["signatures"]) == 1

    # Allowing them again: each petition's own choice was kept.
    client.post(path, {"action": "allow_emails"})
    assert not EmailSuppression.objects.exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(later, author=starter, texts={"kk": ("Төртінші", "Мәтін")}, base_url="http://x")
    assert [m.to for m in mail.outbox] == [[AIGERIM]]
    assert AuditEntry.objects.filter(action="datarights.emails_allowed").count() == 1


# --- Erasing --------------------------------------------------------------------------------


@pytest.mark.parametrize("stop_first", [False, True], ids=["erase", "stop-then-erase"])
def test_erasing_leaves_nothing_that_identifies_the_signer(
    client, make_petition, starter, link_for, stop_first, django_capture_on_commit_callbacks
):
    owned = make_petition("park", starter=starter)
    second = make_petition("river")
    with django_capture_on_commit_callbacks(execute=True):
        counted = signed(owned, wants_updates=True, city="Алматы", show_name=True)
        pending = signed(second, confirmed=False)
        signed(owned, OTHER)
    assert current_count(owned.pk) == 2
    path = link_for()
    token = path.rstrip("/").rsplit("/", 1)[1]
    if stop_first:
        client.post(path, {"action": "stop_emails"})

    refused = client.post(path, {"action": "erase"})
    assert refused.status_code == 400
    assert translated("kk", "Tick the box to confirm that you want to erase it all.") in (
        refused.content.decode()
    )
    assert Signature.objects.get(pk=counted.pk).full_name == AIGERIM_NAME

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"action": "erase", "confirm": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert translated("kk", "Everything is erased") in page
    keeps_digest = translated(
        "kk",
        "Because you asked us to stop all emails, we keep one thing: a fingerprint of your "
        "address (a keyed hash, not the address itself), so that we can go on not emailing "
        "you. It tells nobody who you are.",
    )
    assert (keeps_digest in page) is stop_first

    stored = everything()
    digest = email_digest(AIGERIM)
    for secret in (AIGERIM, "aigerim.rights", AIGERIM_NAME, "Айгерім Қ.", token):
        assert secret not in stored
    assert (digest in stored) is stop_first
    assert EmailSuppression.objects.filter(email_digest=digest).exists() is stop_first
    assert not AccessLink.objects.exists()
    assert client.get(path).status_code == 404

    # The signatures stay, withdrawn and anonymised, so the totals still add up.
    for signature in (counted, pending):
        signature.refresh_from_db()
        assert signature.state == SignatureState.WITHDRAWN
        assert (signature.full_name, signature.email) == ("", "")
    counted.refresh_from_db()
    assert (str(counted.country), counted.city) == ("KZ", "Алматы")
    assert current_count(owned.pk) == 1
    assert recount(owned.pk) == 0
    assert "Other Signer" in stored  # the other signer is untouched
    entries = AuditEntry.objects.filter(action="datarights.erased")
    assert {entry.petition_id: entry.data["signatures"] for entry in entries} == {
        owned.pk: [counted.pk],
        second.pk: [pending.pk],
    }


def test_audit_entries_never_hold_names_emails_or_tokens(client, petition, link_for):
    signature = signed(petition)
    path = link_for()
    token = path.rstrip("/").rsplit("/", 1)[1]
    client.get(path)
    client.post(path, {"action": "download"})
    client.post(path, {"action": "stop_emails"})
    client.post(path, {"action": "withdraw", "signature": str(signature.pk)})
    client.post(path, {"action": "erase", "confirm": "on"})
    entries = AuditEntry.objects.filter(action__startswith="datarights.")
    assert sorted(entries.values_list("action", flat=True)) == sorted(
        [
            "datarights.link_requested",
            "datarights.link_opened",
            "datarights.downloaded",
            "datarights.emails_stopped",
            "datarights.withdrawn",
            "datarights.erased",
        ]
    )
    text = serializers.serialize("json", entries)
    for secret in (AIGERIM, AIGERIM_NAME, token, email_digest(AIGERIM)):
        assert secret not in text


# --- Mentioned where signers look -----------------------------------------------------------


def test_the_confirmation_email_and_the_check_email_page_mention_it(
    client, petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(petition.pk, signature_request(AIGERIM), base_url="http://testserver")
    message = mail.outbox[-1]
    assert "http://testserver/kk/my-signatures/" in message.body
    assert 'href="http://testserver/kk/my-signatures/"' in message.alternatives[0][0]
    page = client.get("/ru/p/park/check-email/").content.decode()
    assert 'href="/ru/my-signatures/"' in page
    privacy = client.get("/en/privacy/").content.decode()
    assert 'href="/en/my-signatures/"' in privacy
