"""The production application asks the signing lane before Django's handler does anything else
(signatures/front.py), and answers exactly as the whole handler would: the same status, headers
and rows; anything the lane does not answer goes the whole way with its body intact."""

import html
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory, override_settings

from tests.test_confirming_quickly import pending
from tests.test_signing_lane import sign, valid
from undeu.signatures import front, lane
from undeu.signatures.front import FrontLaneHandler
from undeu.signatures.lane import FORM
from undeu.signatures.models import Signature, SignatureState

pytestmark = [pytest.mark.usefixtures("no_limits"), pytest.mark.django_db]

WITHOUT_THE_LANE = "Content-Length"  # written by CommonMiddleware, which the lane skips


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    handler_started: bool  # request_started was sent: Django's whole handler ran
    finished: int  # request_finished sent (on closing): the connections looked over after


def post(
    path, data=None, *, handler=None, body=None, secure=False, script_name="", **headers
) -> Answer:
    """A POST as a browser sends a form, straight into `handler` (a new FrontLaneHandler
    unless given), as the server calls the production application; answered and closed."""
    body = body if body is not None else urlencode(data or {}).encode()
    origin = f"{'https' if secure else 'http'}://testserver"
    extra = {f"HTTP_{name.upper()}": value for name, value in {"ORIGIN": origin, **headers}.items()}
    environ = {
        **RequestFactory().post(path, body, content_type=FORM, secure=secure, **extra).environ,
        "SCRIPT_NAME": script_name,
        # Sent by a browser with an empty body too (the factory leaves them out then).
        "CONTENT_TYPE": FORM,
        "CONTENT_LENGTH": str(len(body)),
    }
    started, finished = [], []
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    def watch(**kwargs):
        started.append(True)

    def watch_finish(**kwargs):
        finished.append(True)

    # As Django's test client does: the connections stay open in the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(watch)
    request_finished.connect(watch_finish)
    try:
        response = (handler or FrontLaneHandler())(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        request_started.disconnect(watch)
        request_finished.disconnect(watch_finish)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    names = [name for name, _value in answer["headers"]]
    assert len(names) == len(set(names)), f"a header twice: {names}"
    return Answer(answer["status"], dict(answer["headers"]), content, bool(started), len(finished))


def through_the_whole_handler(petition, data, *, language, secure=False) -> tuple[int, dict]:
    """The same POST through Django's own handler (the test client), whose middleware lane
    answers it."""
    response = sign(Client(), petition, data, language, secure=secure)
    headers = dict(response.headers)
    headers.pop(WITHOUT_THE_LANE, None)
    return response.status_code, headers


@pytest.mark.parametrize("secure", [False, True])
def test_a_signature_is_answered_at_the_front_as_the_whole_handler_answers_it(
    make_petition, settings, secure
):
    settings.SECURE_HSTS_SECONDS = 3600  # sent over HTTPS only: the headers differ by scheme
    answers, rows = [], []
    for number in range(2):
        petition = make_petition(f"park-{number}")
        if number == 0:
            answer = post(f"/ru/p/{petition.slug}/sign/", valid(), secure=secure)
            assert not answer.handler_started and answer.body == b""
            assert answer.finished == 1
            status, headers = answer.status, answer.headers
        else:
            status, headers = through_the_whole_handler(
                petition, valid(), language="ru", secure=secure
            )
        headers["Location"] = headers["Location"].replace(petition.slug, "<slug>")
        answers.append((status, headers))
        signature = Signature.objects.get(petition=petition)
        rows.append((signature.full_name, signature.language, signature.state))
    assert answers[0] == answers[1]
    assert answers[0][0] == 303 and answers[0][1]["Location"] == "/ru/p/<slug>/check-email/"
    assert ("Strict-Transport-Security" in answers[0][1]) is secure
    assert rows[0] == rows[1] == ("Айгерім Сапарова", "ru", SignatureState.PENDING)


def test_a_confirmation_is_answered_at_the_front(petition):
    signature, token = pending(petition)
    answer = post(f"/kk/confirm/{token}/")
    assert not answer.handler_started
    assert answer.status == 303 and answer.headers["Location"] == f"/kk/confirm/{token}/"
    assert answer.headers["Content-Language"] == "kk"
    assert answer.headers["X-Frame-Options"] == "DENY"
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED
    # The same link again: already confirmed, the lane changes nothing and the whole handler
    # answers, as it did before there was a lane.
    again = post(f"/kk/confirm/{token}/")
    assert again.handler_started and again.status == 303


@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        (valid(email="not an address"), {}, 400),
        (valid(full_name="<script>alert(1)</script>", email="x"), {}, 400),
        (valid(), {"ORIGIN": "https://evil.example"}, 403),
        (valid(), {"X_ODD": "a\x00b"}, 400),
    ],
)
def test_anything_else_goes_the_whole_way_with_its_body(petition, watched, data, headers, status):
    answer = post(f"/kk/p/{petition.slug}/sign/", data, **headers)
    assert answer.handler_started and answer.status == status
    assert watched == [f"/kk/p/{petition.slug}/sign/"]
    assert not Signature.objects.exists()
    if status == 400 and "X_ODD" not in headers:
        # The form shown again with what was sent: the lane's read of the body is kept for it.
        page = answer.body.decode()
        assert html.escape(data["full_name"], quote=False) in page
        assert "<script>alert(1)</script>" not in page


def test_the_lane_is_asked_once(petition, monkeypatch):
    """A request the front's lane declined is not looked at again by the lane's middleware."""
    asked = []
    is_plain = lane.Lane._is_plain

    def counted(request):
        asked.append(request.path)
        return is_plain(request)

    monkeypatch.setattr(lane.Lane, "_is_plain", staticmethod(counted))
    answer = post(f"/kk/p/{petition.slug}/sign/", valid(), ORIGIN="https://evil.example")
    assert answer.handler_started and answer.status == 403
    assert asked == [f"/kk/p/{petition.slug}/sign/"]


def test_a_closed_petition_is_answered_by_the_whole_handler(make_petition, watched):
    closed = make_petition("closed", state="closed")
    answer = post(f"/en/p/{closed.slug}/sign/", valid())
    assert answer.handler_started and answer.status == 409
    assert answer.headers["Content-Language"] == "en"
    assert not Signature.objects.exists()


def test_an_https_site_redirects_plain_http_before_the_lane(petition, settings):
    settings.SECURE_SSL_REDIRECT = True
    answer = post(f"/kk/p/{petition.slug}/sign/", valid())
    assert answer.handler_started and answer.status == 301
    assert answer.headers["Location"].startswith("https://")
    assert not Signature.objects.exists()
    assert post(f"/kk/p/{petition.slug}/sign/", valid(), secure=True).status == 303


def test_under_a_script_name_the_answer_keeps_it(petition):
    answer = post(f"/kk/p/{petition.slug}/sign/", valid(), script_name="/undeu")
    assert not answer.handler_started and answer.status == 303
    assert answer.headers["Location"] == f"/undeu/kk/p/{petition.slug}/check-email/"
    assert Signature.objects.count() == 1


def test_other_posts_go_the_whole_way(petition):
    answer = post(f"/kk/p/{petition.slug}/", valid())
    assert answer.handler_started and answer.status == 403  # no CSRF token: CsrfViewMiddleware
    assert not Signature.objects.exists()


def test_an_error_in_the_lane_is_djangos_500_with_every_header(petition, monkeypatch, caplog):
    def broken(request, slug, language):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(lane, "sign_quickly", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = post(f"/kk/p/{petition.slug}/sign/", valid())
    assert answer.status == 500 and answer.finished == 1
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert "the database went away" not in answer.body.decode()
    assert any("Internal Server Error" in record.getMessage() for record in caplog.records)
    assert not Signature.objects.exists()
    monkeypatch.undo()
    assert post(f"/kk/p/{petition.slug}/sign/", valid()).status == 303  # and on it goes


def test_an_error_working_out_the_headers_is_djangos_500_too(petition, monkeypatch):
    def broken(request):
        raise RuntimeError("a middleware failed")

    monkeypatch.setattr(front.SecurityHeaders, "_work_out", staticmethod(broken))
    answer = post(f"/kk/p/{petition.slug}/sign/", valid())
    assert answer.status == 500 and answer.headers["X-Frame-Options"] == "DENY"


def test_the_headers_follow_the_settings(petition):
    """Worked out once, and again when a setting changes (one handler for every request)."""
    handler, path = FrontLaneHandler(), f"/kk/p/{petition.slug}/sign/"
    first = post(path, valid(email="a@example.com"), handler=handler)
    assert first.headers["Referrer-Policy"] == "same-origin"
    with override_settings(SECURE_REFERRER_POLICY="no-referrer"):
        second = post(path, valid(email="b@example.com"), handler=handler)
    assert not second.handler_started and second.headers["Referrer-Policy"] == "no-referrer"
    third = post(path, valid(email="c@example.com"), handler=handler)
    assert third.headers["Referrer-Policy"] == "same-origin"


def test_a_policy_that_leaves_out_some_addresses_is_worked_out_for_each(make_petition, settings):
    policy = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/en/"]}
    settings.CONTENT_SECURITY_POLICY = policy
    petition, handler = make_petition("park"), FrontLaneHandler()
    english = post(f"/en/p/{petition.slug}/sign/", valid(email="a@example.com"), handler=handler)
    kazakh = post(f"/kk/p/{petition.slug}/sign/", valid(email="b@example.com"), handler=handler)
    assert english.status == kazakh.status == 303
    assert "Content-Security-Policy" not in english.headers
    assert "Content-Security-Policy" in kazakh.headers


def test_the_production_application_has_the_lane_at_its_front():
    from undeu import wsgi

    application = wsgi.application
    handler = getattr(application, "application", application)  # behind the page cache
    assert isinstance(handler, FrontLaneHandler)


def test_the_test_client_still_goes_through_the_middleware_lane(client, petition, watched):
    """Django's own handler (the test client, the development server) reaches the same lane
    as middleware."""
    response = client.post(f"/kk/p/{petition.slug}/sign/", urlencode(valid()), content_type=FORM)
    assert response.status_code == 303 and watched == []


def test_a_host_not_allowed_is_a_400_not_a_500(petition):
    """Django's answer to a request for a host it does not serve, raised inside the lane (its
    same-origin check asks for the host)."""
    answer = post(f"/kk/p/{petition.slug}/sign/", valid(), HOST="evil.example")
    assert answer.status == 400
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"full_name=%00&email=a%40example.com&country=KZ",  # a NUL in a field: the form says so
        b"full_name=%FF%FE&email=a%40example.com&country=KZ",  # not UTF-8
        b"full_name=" + b"a" * 3_000_000 + b"&email=a%40example.com&country=KZ",  # too large
        b"",
    ],
)
def test_hostile_bodies_get_a_4xx_from_the_whole_handler_in_the_visitors_language(petition, body):
    answer = post(f"/ru/p/{petition.slug}/sign/", body=body)
    assert 400 <= answer.status < 500
    assert answer.handler_started and answer.headers["Content-Language"] == "ru"
    assert not Signature.objects.exists()
