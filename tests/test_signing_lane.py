"""The signing lane answers a valid signature in front of most middleware, and sends every
other request on through the whole stack, which answers it exactly as before."""

from urllib.parse import urlencode

import pytest

from undeu.petitions.models import DefenceMode
from undeu.signatures.lane import FORM
from undeu.signatures.models import Signature

pytestmark = pytest.mark.usefixtures("no_limits")


def valid(**overrides):
    data = {"full_name": "Айгерім Сапарова", "email": "aigerim@example.com", "country": "KZ"}
    return {**data, **overrides}


def sign(client, petition, data=None, language="kk", **headers):
    """As a browser posts a form: urlencoded (the test client's default is multipart)."""
    return client.post(
        f"/{language}/p/{petition.slug}/sign/",
        urlencode(data or valid()),
        content_type=FORM,
        **headers,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_valid_signature_is_answered_by_the_lane(client, petition, watched, language):
    response = sign(client, petition, language=language)
    assert response.status_code == 303
    assert response["Location"] == f"/{language}/p/{petition.slug}/check-email/"
    assert response["Content-Language"] == language
    assert watched == []
    signature = Signature.objects.get()
    assert (signature.language, signature.state) == (language, "pending")


@pytest.mark.django_db
def test_the_lanes_answer_carries_every_security_header(client, petition, watched):
    response = sign(client, petition)
    assert watched == []
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert not response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        (valid(email="not an address"), {}, 400),  # the form says what is wrong
        (valid(full_name="\x00"), {}, 400),
        (valid(), {"HTTP_ORIGIN": "https://evil.example"}, 403),  # cross-site
        (valid(), {"HTTP_SEC_FETCH_SITE": "cross-site"}, 403),
        (valid(), {"HTTP_X_ODD": "a\x00b"}, 400),  # a malformed header
    ],
)
def test_anything_else_goes_through_the_whole_stack(
    client, petition, watched, data, headers, status
):
    response = sign(client, petition, data, **headers)
    assert response.status_code == status
    assert watched == [f"/kk/p/{petition.slug}/sign/"]
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_utf8_is_refused_in_the_visitors_language(client, petition, watched):
    body = b"full_name=%FF%FE&email=a%40example.com&country=KZ"
    response = client.post(
        f"/ru/p/{petition.slug}/sign/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and response["Content-Language"] == "ru"
    assert watched and not Signature.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_by_the_whole_stack(client, petition, watched, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = sign(client, petition, valid(city="а" * 2000), language="en")
    assert response.status_code == 400 and response["Content-Language"] == "en"
    assert watched and not Signature.objects.exists()


@pytest.mark.django_db
def test_a_signed_in_visitor_takes_the_whole_stack(client, petition, watched, starter):
    client.force_login(starter)
    assert sign(client, petition).status_code == 303
    assert watched and Signature.objects.count() == 1


@pytest.mark.django_db
def test_other_petitions_states_are_answered_by_the_whole_stack(client, make_petition, watched):
    paused = make_petition("paused", defence=DefenceMode.PAUSED)
    closed = make_petition("closed", state="closed")
    assert sign(client, paused).status_code == 503
    assert sign(client, closed).status_code == 409
    body = urlencode(valid())
    assert client.post("/kk/p/nowhere/sign/", body, content_type=FORM).status_code == 404
    assert len(watched) == 3 and not Signature.objects.exists()


@pytest.mark.django_db
def test_only_signing_posts_take_the_lane(client, petition, watched):
    body = urlencode(valid())
    client.get(f"/kk/p/{petition.slug}/sign/")
    for path in (f"/kk/p/{petition.slug}/", f"/kk/p/{petition.slug}/sign/extra/", "/xx/p/x/sign/"):
        client.post(path, body, content_type=FORM)
    # Multipart, which browsers send only for forms that say so: the whole stack reads it.
    assert sign_multipart(client, petition).status_code == 303
    assert len(watched) == 5 and Signature.objects.count() == 1


def sign_multipart(client, petition):
    return client.post(f"/kk/p/{petition.slug}/sign/", valid())


@pytest.mark.django_db
def test_over_plain_http_an_https_site_redirects_before_the_lane(client, petition, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = sign(client, petition)
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert not Signature.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_write_transaction_holds_only_the_statements(client, petition, monkeypatch, settings):
    """Encrypting the name, email and email context, hashing and converting every value, and
    working out the limits' windows are done before the transaction: on SQLite it holds the
    one write lock every signer waits for."""
    from django.db import connection

    from undeu.core import encrypted
    from undeu.defence import limits

    settings.UNDEU_LIMIT_PER_PETITION = [(1000, 60)]
    inside, windows_inside = [], []
    encrypt, window_key = encrypted.encrypt, limits._key

    def watched(text):
        inside.append(connection.in_atomic_block)
        return encrypt(text)

    def watched_key(*args):
        windows_inside.append(connection.in_atomic_block)
        return window_key(*args)

    monkeypatch.setattr(encrypted, "encrypt", watched)
    monkeypatch.setattr(limits, "_key", watched_key)
    assert sign(client, petition).status_code == 303
    assert windows_inside and not any(windows_inside)  # the limits' windows, worked out before
    # The name and email; the email's address and context (and, sent at once here, its
    # emptied context after the commit).
    assert len(inside) >= 4 and not any(inside)
    assert Signature.objects.get().full_name == "Айгерім Сапарова"
