"""After a petition runs: its starter closes it, downloads the delivery package (PDF, CSV),
marks it delivered and records the outcome; thresholds change what its page says."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from tests.conftest import HOSTILE
from undeu.audit.models import AuditEntry
from undeu.delivery.models import ThresholdReached
from undeu.delivery.package_csv import inert
from undeu.delivery.package_pdf import FONTS_DIR, _is_bundled_font
from undeu.delivery.thresholds import record_thresholds
from undeu.env import env_thresholds
from undeu.petitions.models import PetitionState, PetitionVersion
from undeu.signatures.counting import recount
from undeu.signatures.models import Signature, SignatureState
from undeu.updates.models import Mailing

pytestmark = pytest.mark.django_db

KAZAKH_TITLE = "Өскемендегі әділ ғылым қоғамы: ұлы іс һәм өң үшін"
FIXED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def owned(make_petition, starter):
    petition = make_petition("park", starter=starter)
    PetitionVersion.objects.filter(petition=petition, language="kk").update(title=KAZAKH_TITLE)
    return petition


@pytest.fixture
def starter_client(client, starter):
    client.force_login(starter)
    return client


@pytest.fixture
def signed(owned, sign_and_confirm):
    """Three named signers, two who did not agree to be named, one pending (not counted)."""
    named = [
        sign_and_confirm(owned, "a@example.com", full_name="Айгерім Сапарова", city="Алматы"),
        sign_and_confirm(
            owned, "b@example.com", full_name="Данияр Омаров", city=" алматы ", language="ru"
        ),
        sign_and_confirm(
            owned, "c@example.com", full_name="Olga Petrova", city="Berlin", country="DE"
        ),
    ]
    hidden = [
        sign_and_confirm(owned, "d@example.com", full_name="Жасырын Адам", show_name=False),
        sign_and_confirm(
            owned, "e@example.com", full_name="Скрытый Человек", show_name=False, city=""
        ),
    ]
    pending = sign_and_confirm(owned, "f@example.com", full_name="Күтуші Адам")
    Signature.objects.filter(pk=pending.pk).update(state=SignatureState.PENDING)
    recount(owned.pk)
    return named, hidden


STARTER_PAGES = [
    ("get", "manage/"),
    ("get", "manage/close/"),
    ("post", "manage/close/"),
    ("get", "manage/package.pdf"),
    ("get", "manage/signatures.csv"),
    ("post", "manage/delivered/"),
    ("post", "manage/outcome/"),
]


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "page"), STARTER_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, owned, method, page):
    response = getattr(client, method)(f"/kk/p/{owned.slug}/{page}")
    assert response.status_code == 302
    with translation.override("kk"):
        assert response.url.startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    owned.refresh_from_db()
    assert owned.state == PetitionState.OPEN and not owned.delivered_at


@pytest.mark.parametrize(("method", "page"), STARTER_PAGES)
def test_someone_else_gets_404(client, owned, stranger, method, page):
    client.force_login(stranger)
    data = {"outcome": "victory", "text": "x"} if "outcome" in page else {}
    assert getattr(client, method)(f"/kk/p/{owned.slug}/{page}", data).status_code == 404
    owned.refresh_from_db()
    assert owned.state == PetitionState.OPEN and not owned.delivered_at and not owned.outcome
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected", "removed"])
def test_only_public_petitions_are_managed_here(starter_client, make_petition, starter, state):
    petition = make_petition("other", state=state, starter=starter)
    assert starter_client.get(f"/kk/p/{petition.slug}/manage/").status_code == 404


def test_the_manage_page_links_to_everything(starter_client, owned):
    response = starter_client.get(f"/kk/p/{owned.slug}/manage/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    for path in ["updates/new/", "manage/close/", "manage/package.pdf", "manage/signatures.csv"]:
        assert f'"/kk/p/{owned.slug}/{path}"' in page
    assert f'action="/kk/p/{owned.slug}/manage/delivered/"' in page
    assert f'action="/kk/p/{owned.slug}/manage/outcome/"' in page
    assert "<script>alert" not in page


def test_forms_for_the_starter_need_the_csrf_token(owned, starter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(starter)
    for page in ["manage/close/", "manage/delivered/", "manage/outcome/"]:
        assert client.post(f"/kk/p/{owned.slug}/{page}", {"outcome": "victory"}).status_code == 403
    owned.refresh_from_db()
    assert owned.state == PetitionState.OPEN and not owned.delivered_at and not owned.outcome


# --- closing early -------------------------------------------------------------------------


def test_the_starter_closes_early(starter_client, owned, starter):
    page = starter_client.get(f"/kk/p/{owned.slug}/manage/close/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    owned.refresh_from_db()
    assert owned.state == PetitionState.OPEN  # GET changes nothing

    response = starter_client.post(f"/kk/p/{owned.slug}/manage/close/")
    assert response.status_code == 303 and response.url == f"/kk/p/{owned.slug}/manage/"
    owned.refresh_from_db()
    assert owned.state == PetitionState.CLOSED and owned.closed_at
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("petition.close", starter)

    again = starter_client.post(f"/en/p/{owned.slug}/manage/close/", follow=True)
    assert "This petition is already closed." in again.content.decode()
    assert AuditEntry.objects.count() == 1
    assert "no longer accepts signatures" in Client().get(f"/en/p/{owned.slug}/").content.decode()


# --- the PDF -------------------------------------------------------------------------------


def pdf_text(response) -> tuple[str, PdfReader]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_the_pdf_has_the_kazakh_text_the_count_and_only_consenting_names(
    starter_client, owned, signed
):
    response = starter_client.get(f"/kk/p/{owned.slug}/manage/package.pdf?language=en")
    assert response["Content-Disposition"] == 'attachment; filename="park-en.pdf"'
    text, reader = pdf_text(response)
    flat = " ".join(text.split())
    assert KAZAKH_TITLE in flat
    for letter in "әғқңөұүһі":
        assert letter in text
    assert "Сохраним парк" in flat  # every language version
    assert "5 people signed this petition." in flat
    for name in ["Айгерім С.", "Данияр О.", "Olga P."]:
        assert name in flat
    for name in ["Жасырын", "Скрытый", "Күтуші", "Сапарова"]:
        assert name not in flat
    assert "And 2 others who asked not to be named." in flat
    assert "@example.com" not in flat
    # Named in the order they confirmed.
    assert flat.index("Айгерім С.") < flat.index("Данияр О.") < flat.index("Olga P.")
    # Counts by country and by city ("Алматы" and " алматы " are one place).
    assert "Kazakhstan 4" in flat and "Germany 1" in flat
    assert "Алматы Kazakhstan 3" in flat  # the default city of the hidden signer too
    assert "Not given Kazakhstan 1" in flat
    assert "Әкімдік kk" in flat and "Әкімдік ru" in flat
    assert owned.published_at.strftime("%Y") in flat and "Still open" in flat
    # Only the bundled font (declared with @font-face as "Undeu Sans") is embedded: no system
    # font had to stand in for a missing letter.
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"Undeu-Sans", "Undeu-Sans-Bold"}


def test_the_pdf_speaks_the_chosen_language_and_defaults_to_the_primary_one(
    starter_client, owned, signed
):
    russian, _ = pdf_text(starter_client.get(f"/en/p/{owned.slug}/manage/package.pdf?language=ru"))
    assert "Казахстан" in russian and "Германия" in russian
    default = starter_client.get(f"/en/p/{owned.slug}/manage/package.pdf?language=xx")
    assert default["Content-Disposition"] == 'attachment; filename="park-kk.pdf"'
    kazakh, _ = pdf_text(default)
    assert "Қазақстан" in kazakh


def test_a_closed_petitions_pdf_has_its_closing_date(starter_client, owned, signed):
    from undeu.petitions.lifecycle import close

    with time_machine.travel(FIXED, tick=False):
        close(owned)
    text, _ = pdf_text(starter_client.get(f"/en/p/{owned.slug}/manage/package.pdf"))
    assert "2026" in text and "Still open" not in text


def test_the_pdf_loads_nothing_but_its_own_fonts():
    assert _is_bundled_font((FONTS_DIR / "DejaVuSans.ttf").as_uri())
    assert not _is_bundled_font((FONTS_DIR / ".." / ".." / ".." / "models.py").resolve().as_uri())
    assert not _is_bundled_font(f"file://{FONTS_DIR}/../../../../settings.py")
    assert not _is_bundled_font("file:///etc/passwd")
    assert not _is_bundled_font("https://example.com/font.ttf")
    assert not _is_bundled_font("file://evil.example/share/DejaVuSans.ttf")
    assert (FONTS_DIR / "LICENSE-DejaVu.txt").exists()


# --- the CSV -------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    assert "@example.com" not in content
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def test_the_csv_names_only_those_who_agreed(starter_client, owned, signed):
    rows = csv_rows(starter_client.get(f"/kk/p/{owned.slug}/manage/signatures.csv?language=en"))
    assert rows[0] == ["Confirmed at", "Name", "City or region", "Country"]
    body = rows[1:-2]
    assert [row[1] for row in body] == ["Айгерім С.", "Данияр О.", "Olga P.", "", ""]
    assert [row[2] for row in body] == ["Алматы", "алматы", "Berlin", "Алматы", ""]
    assert [row[3] for row in body] == ["Kazakhstan"] * 2 + ["Germany"] + ["Kazakhstan"] * 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", r[0]) for r in body)
    assert rows[-2:] == [[], ["Total", "5"]]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_injection_is_made_inert(start):
    assert inert(f"{start}1+1") == f"'{start}1+1"
    assert inert("Алматы") == "Алматы"


def test_the_csv_defuses_formulas_typed_by_signers(starter_client, owned, sign_and_confirm):
    sign_and_confirm(
        owned, "x@example.com", full_name='=HYPERLINK("http://evil") Q', city="+7 Алматы"
    )
    sign_and_confirm(owned, "y@example.com", full_name="@SUM(A1) B", city="-2+3")
    sign_and_confirm(owned, "z@example.com", full_name="=hidden", city="=cmd", show_name=False)
    rows = csv_rows(starter_client.get(f"/kk/p/{owned.slug}/manage/signatures.csv"))
    cells = [cell for row in rows[1:-2] for cell in row[1:3]]
    assert cells == [
        '\'=HYPERLINK("http://evil") Q.',
        "'+7 Алматы",
        "'@SUM(A1) B.",
        "'-2+3",
        "",
        "'=cmd",
    ]


# --- delivered and the outcome -------------------------------------------------------------


def test_marking_delivered_is_recorded_once_and_shown(starter_client, owned, starter):
    response = starter_client.post(f"/kk/p/{owned.slug}/manage/delivered/")
    assert response.status_code == 303
    owned.refresh_from_db()
    assert owned.delivered_at
    starter_client.post(f"/kk/p/{owned.slug}/manage/delivered/")
    assert AuditEntry.objects.filter(action="petition.delivered", actor=starter).count() == 1
    page = Client().get(f"/en/p/{owned.slug}/").content.decode()
    assert "Delivered to the targets on" in page


def test_a_response_needs_its_text(starter_client, owned):
    response = starter_client.post(f"/kk/p/{owned.slug}/manage/outcome/", {"outcome": "response"})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'id="id_text_error"' in html and 'aria-describedby="id_text_helptext id_text_error"' in html
    )
    for bad in [{"outcome": "won"}, {"outcome": "victory", "text": "x" * 20000}, {}]:
        assert starter_client.post(f"/kk/p/{owned.slug}/manage/outcome/", bad).status_code == 400
    owned.refresh_from_db()
    assert not owned.outcome and not AuditEntry.objects.exists()


def test_the_outcome_is_shown_and_emailed_to_opted_in_signers(
    starter_client, owned, starter, sign_and_confirm, settings, django_capture_on_commit_callbacks
):
    settings.UNDEU_MAILING_BATCH = 1
    kk = sign_and_confirm(owned, "kk@example.com", wants_updates=True, language="kk")
    ru = sign_and_confirm(owned, "ru@example.com", wants_updates=True, language="ru")
    sign_and_confirm(owned, "quiet@example.com", wants_updates=False)
    text = f"Әкім жауап берді: саябақ сақталады. {HOSTILE}"
    with django_capture_on_commit_callbacks(execute=True):
        response = starter_client.post(
            f"/kk/p/{owned.slug}/manage/outcome/", {"outcome": "response", "text": text}
        )
    assert response.status_code == 303
    owned.refresh_from_db()
    assert (owned.outcome, owned.outcome_text) == ("response", text) and owned.outcome_at
    entry = AuditEntry.objects.get(action="petition.outcome")
    assert entry.actor == starter and entry.data == {"previous_outcome": "", "outcome": "response"}

    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == ["kk@example.com", "ru@example.com"]
    for signature in (kk, ru):
        message = sent[signature.email]
        assert message.extra_headers["Content-Language"] == signature.language
        assert message.extra_headers["List-Unsubscribe"].startswith(
            f"<http://testserver/{signature.language}/unsubscribe/"
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Әкім жауап берді" in message.body
        assert message.extra_headers["List-Unsubscribe"].strip("<>") in message.body
        assert "<script>alert" not in message.alternatives[0].content
    assert "Сохраним парк" in sent["ru@example.com"].subject
    assert Mailing.objects.get().finished_at is not None

    page = Client().get(f"/kk/p/{owned.slug}/").content.decode()
    assert "Әкім жауап берді: саябақ сақталады." in page
    assert "<script>alert" not in page

    # Correcting the text emails nobody again; a new outcome does.
    with django_capture_on_commit_callbacks(execute=True):
        starter_client.post(
            f"/kk/p/{owned.slug}/manage/outcome/", {"outcome": "response", "text": "Түзетілді"}
        )
    owned.refresh_from_db()
    assert owned.outcome_text == "Түзетілді" and len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="petition.outcome_text").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        starter_client.post(f"/kk/p/{owned.slug}/manage/outcome/", {"outcome": "victory"})
    assert len(mail.outbox) == 4
    assert Mailing.objects.count() == 2


# --- thresholds -----------------------------------------------------------------------------


def test_thresholds_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("UNDEU_THRESHOLDS", " 100000:debate, 10000:response ,")
    assert env_thresholds("UNDEU_THRESHOLDS", "") == [(10000, "response"), (100000, "debate")]
    monkeypatch.setenv("UNDEU_THRESHOLDS", "")
    assert env_thresholds("UNDEU_THRESHOLDS", "50000:response") == []
    monkeypatch.delenv("UNDEU_THRESHOLDS")
    assert env_thresholds("UNDEU_THRESHOLDS", "50000:response") == [(50000, "response")]
    for bad in ["response", "10000", "0:response", "-5:x", "1e3:x", "10:a b", "10:x,20:x", "²:x"]:
        monkeypatch.setenv("UNDEU_THRESHOLDS", bad)
        with pytest.raises(ImproperlyConfigured, match="UNDEU_THRESHOLDS"):
            env_thresholds("UNDEU_THRESHOLDS", "")


def test_thresholds_follow_the_count_up_and_down(client, owned, sign_and_confirm, settings):
    settings.UNDEU_THRESHOLDS = [(2, "response"), (3, "debate"), (4, "town_hall")]

    def page():
        from django.core.cache import cache

        cache.clear()
        return client.get(f"/en/p/{owned.slug}/").content.decode()

    def standing():
        return sorted(
            ThresholdReached.objects.filter(reverted_at=None).values_list("name", "reached_at")
        )

    with time_machine.travel(FIXED, tick=False):
        first = sign_and_confirm(owned, "1@example.com")
        assert "Awaiting" not in page()
        assert "2 signatures: A response from the targets — not yet" in page()
        assert record_thresholds() == 0

        second = sign_and_confirm(owned, "2@example.com")
        html = page()
        assert '<p class="state threshold-state">Awaiting a response from the targets</p>' in html
        assert "2 signatures: A response from the targets — <strong>reached</strong>" in html
        assert record_thresholds() == 1
        assert record_thresholds() == 0  # idempotent
        assert standing() == [("response", FIXED)]

        sign_and_confirm(owned, "3@example.com")
        sign_and_confirm(owned, "4@example.com")
        html = page()
        assert "Reached the threshold “town_hall”" in html
        assert "Threshold “town_hall”" in html
        assert record_thresholds() == 2
        entry = AuditEntry.objects.filter(action="petition.threshold_reached").first()
        assert entry.petition == owned and entry.actor is None

    later = FIXED + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        # Two signatures turn out to be fraud: the count drops to 2.
        Signature.objects.filter(pk__in=[first.pk, second.pk]).update(
            state=SignatureState.INVALIDATED
        )
        recount(owned.pk)
        html = page()
        assert "Awaiting a response from the targets" in html
        assert "Awaiting a debate" not in html and "town_hall”</p>" not in html
        assert record_thresholds() == 2
        assert standing() == [("response", FIXED)]
        reverted = ThresholdReached.objects.exclude(reverted_at=None)
        assert sorted(reverted.values_list("name", "reverted_at")) == [
            ("debate", later),
            ("town_hall", later),
        ]
        assert AuditEntry.objects.filter(action="petition.threshold_reverted").count() == 2

        # Reached again: a new row with the new date; the old one stays as history.
        sign_and_confirm(owned, "5@example.com")
        assert record_thresholds() == 1
        assert ("debate", later) in standing()
        assert ThresholdReached.objects.filter(name="debate").count() == 2


def test_an_outcome_replaces_the_threshold_state(client, owned, sign_and_confirm, settings):
    settings.UNDEU_THRESHOLDS = [(1, "response")]
    sign_and_confirm(owned)
    owned.outcome = "victory"
    owned.save(update_fields=["outcome"])
    html = client.get(f"/en/p/{owned.slug}/").content.decode()
    assert "Awaiting a response" not in html
    assert "Victory" in html


def test_the_manage_page_shows_when_thresholds_were_reached(
    starter_client, owned, sign_and_confirm, settings
):
    settings.UNDEU_THRESHOLDS = [(1, "response"), (10, "debate")]
    sign_and_confirm(owned)
    with time_machine.travel(FIXED, tick=False):
        record_thresholds()
    page = starter_client.get(f"/en/p/{owned.slug}/manage/").content.decode()
    assert "A response from the targets —" in page and "March 2, 2026" in page
    assert re.search(r"Considered for a debate —\s+not yet", page)


def test_long_lists_stay_fast_to_lay_out(starter_client, owned, signed, monkeypatch):
    from undeu.delivery import package_pdf

    monkeypatch.setattr(package_pdf, "NAMES_PER_PARAGRAPH", 2)
    monkeypatch.setattr(package_pdf, "CITY_ROWS", 1)
    text, _ = pdf_text(starter_client.get(f"/kk/p/{owned.slug}/manage/package.pdf?language=en"))
    flat = " ".join(text.split())
    assert "Алматы Kazakhstan 3" in flat and "Berlin Germany" not in flat
    assert "And 2 signatures from 2 other places." in flat
    assert "Айгерім С., Алматы · Данияр О., алматы Olga P., Berlin" in flat
