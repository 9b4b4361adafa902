import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.conftest import outbox_to, signature_request
from undeu.mail.models import OutgoingEmail
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.signing import sign

pytestmark = pytest.mark.django_db


def post_signature(client, petition, language="kk", **fields):
    data = {
        "full_name": "Айгерім Сапарова",
        "email": "aigerim@example.com",
        "country": "KZ",
        "city": "Алматы",
        "show_name": "on",
    }
    data.update(fields)
    with translation.override(language):
        url = reverse("signatures:sign", kwargs={"slug": petition.slug})
    return client.post(url, data)


def test_signing_records_a_pending_signature_and_emails_a_link_in_the_signers_language(
    client, petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signature(client, petition, language="ru", wants_updates="on")

    assert response.status_code == 303
    assert response["Location"] == f"/ru/p/{petition.slug}/check-email/"
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING
    assert signature.language == "ru"
    assert signature.wants_updates and signature.show_name
    assert signature.full_name == "Айгерім Сапарова"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aigerim@example.com"]
    assert message.extra_headers["Content-Language"] == "ru"
    with translation.override("ru"):
        expected = translation.gettext("Confirm your signature: %(title)s") % {
            "title": petition.version_for("ru").title
        }
    assert message.subject == expected
    assert "http://testserver/ru/confirm/" in message.body
    # The token is only in the email: the outbox forgets it once the message is sent.
    assert OutgoingEmail.objects.get().context == {}


def test_consents_default_to_no(client, petition):
    post_signature(client, petition, show_name="")
    signature = Signature.objects.get()
    assert not signature.wants_updates
    assert not signature.show_name


def test_the_sign_form_starts_unticked_with_the_default_country(client, petition):
    page = client.get(f"/kk/p/{petition.slug}/").content.decode()
    assert 'name="wants_updates"' in page
    assert 'name="wants_updates" id="id_wants_updates" checked' not in page
    assert '<option value="KZ" selected>Қазақстан</option>' in page


@pytest.mark.parametrize(
    "second_email",
    [
        "AIGERIM@example.com",
        "  aigerim@EXAMPLE.com ",
        "aigerim＠example.com",
        "ａigerim@example.com",
    ],
)
def test_signing_twice_creates_nothing_and_looks_the_same(
    client, petition, second_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post_signature(client, petition)
        second = post_signature(client, petition, email=second_email)

    assert Signature.objects.count() == 1
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    assert len(mail.outbox) == 2  # a fresh link, since the first was never confirmed


def test_a_second_signing_replaces_the_unconfirmed_link(petition):
    sign(petition.pk, signature_request(), base_url="http://testserver")
    old_digest = Signature.objects.get().token_digest
    sign(petition.pk, signature_request(), base_url="http://testserver")
    assert Signature.objects.get().token_digest != old_digest


def test_signing_again_after_confirming_sends_an_already_signed_email(
    petition, sign_and_confirm, django_capture_on_commit_callbacks
):
    sign_and_confirm(petition)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(petition.pk, signature_request(language="ru"), base_url="http://testserver")

    assert Signature.objects.count() == 1
    assert Signature.objects.get().state == SignatureState.CONFIRMED
    (message,) = mail.outbox
    with translation.override("ru"):
        expected = translation.gettext("You have already signed: %(title)s") % {
            "title": petition.version_for("ru").title
        }
    assert message.subject == expected
    assert "/confirm/" not in message.body


def test_no_email_is_sent_when_the_signature_is_rolled_back(petition):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        sign(petition.pk, signature_request(), base_url="http://testserver")
        raise RuntimeError
    assert not Signature.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert not mail.outbox


def test_a_closed_petition_refuses_signatures(client, make_petition):
    closed = make_petition("closed", state="closed")
    response = post_signature(client, closed, language="en")
    assert response.status_code == 409
    assert b"no longer accepts signatures" in response.content
    assert not Signature.objects.exists()


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected"])
def test_unpublished_petitions_cannot_be_seen_or_signed(client, make_petition, state):
    hidden = make_petition("hidden", state=state)
    assert client.get(f"/en/p/{hidden.slug}/").status_code == 404
    assert post_signature(client, hidden, language="en").status_code == 404
    assert not Signature.objects.exists()


def test_errors_are_shown_inline_in_the_visitors_language_and_keep_what_was_typed(client, petition):
    response = post_signature(client, petition, language="ru", email="not-an-email", city="Шымкент")
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override("ru"):
        assert translation.gettext("Enter a valid email address.") in page
    assert 'value="not-an-email"' in page
    assert 'value="Шымкент"' in page
    assert 'value="Айгерім Сапарова"' in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert not Signature.objects.exists()


def test_a_successful_signature_reads_nothing_it_does_not_need(client, petition):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from undeu.petitions.models import PetitionVersion, Target

    with CaptureQueriesContext(connection) as queries:
        assert post_signature(client, petition).status_code == 303
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert PetitionVersion._meta.db_table not in sql
    assert Target._meta.db_table not in sql


def test_a_signature_is_one_read_the_limits_count_and_two_inserts(client, petition, site_mode_read):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert post_signature(client, petition).status_code == 303
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    data = [s for s in statements if s in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}]
    # The petition; the rate limits' windows (one UPSERT: no Redis here); the signature and its
    # email: on PostgreSQL in one statement (WITH first AS (INSERT ...) INSERT ...).
    if connection.vendor == "postgresql":
        assert data == ["SELECT", "INSERT", "WITH"]
    else:
        assert data == ["SELECT", "INSERT", "INSERT", "INSERT"]
    signature = Signature.objects.get()
    (email,) = outbox_to(signature.email)
    assert email.kind == "confirm_signature" and email.recipient_digest == signature.email_digest


def test_a_duplicate_inserts_neither_row_and_gets_the_duplicate_email(client, petition):
    """The one statement on PostgreSQL inserts the email only with the signature: a signer who
    signs again gets a new link (the first email may be lost), not a second signature."""
    assert post_signature(client, petition).status_code == 303
    first = Signature.objects.get()
    assert post_signature(client, petition).status_code == 303
    again = Signature.objects.get()
    assert again.pk == first.pk and again.token_digest != first.token_digest
    kinds = [m.kind for m in outbox_to(first.email)]
    assert kinds == ["confirm_signature", "confirm_signature"]


def test_a_clash_with_a_row_that_is_not_this_signers_signs_again(petition, monkeypatch):
    # The one unique clash that is not the same person: the token (never in practice), or a row
    # erased between the two statements. The signer still gets a signature and an email.
    from undeu.signatures import signing

    sign(petition.pk, signature_request(email="first@example.com"), base_url="http://x")
    taken = Signature.objects.get().token_digest
    real = signing.new_token
    tokens = iter([("t", taken)])
    monkeypatch.setattr(signing, "new_token", lambda: next(tokens, None) or real())
    sign(petition.pk, signature_request(email="second@example.com"), base_url="http://x")
    second = Signature.objects.for_email("second@example.com").get()
    assert second.token_digest != taken
    assert [m.kind for m in outbox_to("second@example.com")] == ["confirm_signature"]


@pytest.mark.parametrize(
    ("name", "msgid"),
    [
        ("Buy cheap https://spam.example", "A name cannot contain a web address."),
        ("Айгерім www.spam", "A name cannot contain a web address."),
        ("Aigerim casino.com", "A name cannot contain a web address."),
        ("Айгерім сайт.рф", "A name cannot contain a web address."),
        ('=HYPERLINK("http://x")', "A name cannot contain a web address."),
        ("=1+2 Aigerim", "A name cannot start with =, +, - or @."),
        ("+Aigerim", "A name cannot start with =, +, - or @."),
        ("-Aigerim", "A name cannot start with =, +, - or @."),
        ("  @Aigerim", "A name cannot start with =, +, - or @."),
    ],
)
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_names_with_web_addresses_or_formula_starts_are_refused_in_the_signers_language(
    client, petition, name, msgid, language
):
    response = post_signature(client, petition, language=language, full_name=name)
    assert response.status_code == 400
    with translation.override(language):
        message = translation.gettext(msgid)
    assert message in response.content.decode().replace("&#x27;", "'")
    assert language == "en" or message != msgid  # translated
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["А.Б. Сапарова", "St.John Smith", "J. R. R. Tolkien", "Mary-Ann O'Brien", "Jean-Luc A.-B."],
)
def test_names_with_initials_and_hyphens_are_names(client, petition, name):
    assert post_signature(client, petition, full_name=name).status_code == 303
    assert Signature.objects.get().full_name == name


@pytest.mark.parametrize("address", ["someone@mailinator.com", "x@inbox.MAILINATOR.com"])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_throwaway_email_address_is_refused_in_the_signers_language(
    client, petition, address, language
):
    response = post_signature(client, petition, language=language, email=address)
    assert response.status_code == 400
    with translation.override(language):
        message = translation.gettext(
            "Use an email address you keep: addresses that expire are not accepted."
        )
    assert message in response.content.decode()
    assert not Signature.objects.exists()


def test_ordinary_providers_are_not_throwaway_and_the_check_can_be_turned_off(
    client, petition, settings
):
    from undeu.signatures.disposable import is_disposable

    assert not any(is_disposable(d) for d in ("gmail.com", "mail.ru", "yandex.kz", "inbox.kz"))
    settings.UNDEU_REFUSE_DISPOSABLE_EMAIL = False
    assert post_signature(client, petition, email="someone@mailinator.com").status_code == 303


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_check_email_page_is_found_beside_the_signing_address(language):
    from django.urls import reverse
    from django.utils import translation

    from undeu.signatures.views import check_email_path

    with translation.override(language):
        sign = reverse("signatures:sign", kwargs={"slug": "park-2026"})
        assert check_email_path(sign) == reverse(
            "signatures:check_email", kwargs={"slug": "park-2026"}
        )
