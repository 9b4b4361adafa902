"""Hostile traffic: forged forms, malformed requests, the headers of every page, production
cookies and HTTPS, and the rate limits on signing in and resetting a password.

The pages are those of tests/url_world.py, read from the URL resolver: a page added later is
covered here without editing this file.
"""

import functools
import json
import re
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.test import Client, override_settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from tests.url_world import every_pattern, fill, make_world
from undeu.signatures.models import Signature

pytestmark = pytest.mark.django_db
LANGUAGES = ("kk", "ru", "en")
PATTERNS = every_pattern()


def pattern_id(pattern) -> str:
    return pattern.route


@pytest.fixture
def world(make_petition):
    return make_world(make_petition)


def moderator_client(world, **options) -> Client:
    client = Client(**options)
    client.force_login(world.moderator)
    return client


def everything() -> dict[str, str]:
    """Every row of every table, as text: what a refused request must leave as it was."""
    return {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return escape(gettext(text))


# --- CSRF -----------------------------------------------------------------------------------

# Addresses a forged POST can reach on purpose, each with why that is safe.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail providers POST to the link in the List-Unsubscribe
    # header from their own servers, with no cookie or token; the unguessable token in the
    # address is the proof, and all it can do is stop emails to its own reader.
    "unsubscribe",
}
# The public API reads only, for anyone, with no cookie-authenticated action: it is exempt from
# CSRF (as JSON APIs are), and answers a POST 405 Method Not Allowed instead (or 403 where the
# CSRF check comes first), changing nothing.
READ_ONLY_PREFIXES = ("api/v1/",)
# What a browser sends with a POST that another site's page made.
FROM_ANOTHER_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


@pytest.mark.parametrize("pattern", PATTERNS, ids=pattern_id)
def test_a_forged_post_to_any_address_is_refused_and_changes_nothing(world, pattern):
    """A signed-in moderator's browser, made to POST by another site: with no token, or a
    forged one, every address refuses, and not one row anywhere changes."""
    client = moderator_client(world, enforce_csrf_checks=True)
    address = fill(pattern, world)
    exempt = any(name in pattern.route for name in CSRF_EXEMPT)
    refused = {403, 405} if pattern.route.startswith(READ_ONLY_PREFIXES) else {403}
    before = everything()
    data = {"action": "remove", "reason": "spam", "mode": "paused", "email": "x@example.com"}
    for attempt in (data, {**data, "csrfmiddlewaretoken": "forged" * 11}):
        response = client.post(address, attempt, headers=FROM_ANOTHER_SITE)
        if exempt:
            assert response.status_code < 500, pattern.route
        else:
            assert response.status_code in refused, (pattern.route, response.status_code)
    if not exempt:
        assert everything() == before, pattern.route


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_forged_post_page_says_why_in_the_visitors_language(world, language):
    client = moderator_client(world, enforce_csrf_checks=True)
    address = f"/{language}/p/{world.petition.slug}/sign/"
    response = client.post(address, {"full_name": "X"}, headers=FROM_ANOTHER_SITE)
    assert response.status_code == 403
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert translated(language, "This form was sent from another site") in page


# --- Malformed requests ---------------------------------------------------------------------


def bad_request_page(response, language="en") -> bool:
    return (
        response.status_code == 400
        and translated(language, "The request could not be understood") in response.content.decode()
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla\x00/5.0"},
        {"HTTP_ACCEPT_LANGUAGE": "ru\x00"},
        {"HTTP_REFERER": "http://testserver/\xff\xfe"},  # bytes 0xFF 0xFE: not UTF-8
        {"HTTP_X_ANYTHING": "caf\xc3"},  # a cut-off UTF-8 sequence
        {"CONTENT_TYPE": "text/plain; charset=\xff\xfe"},
    ],
    ids=["nul-user-agent", "nul-language", "latin1-referer", "cut-utf8", "latin1-content-type"],
)
def test_nul_bytes_or_invalid_utf8_in_a_header_are_a_400(client, petition, headers):
    assert bad_request_page(client.get("/en/p/park/", **headers))
    assert client.head("/en/p/park/", **headers).status_code == 400


@pytest.mark.parametrize("cookie", ['sessionid="\\000abc"', "undeu_language=r\x00u", "x=\xff"])
def test_nul_bytes_or_invalid_utf8_in_a_cookie_are_a_400(client, petition, cookie):
    response = client.get("/en/p/park/", HTTP_COOKIE=cookie)
    assert bad_request_page(response)


@pytest.mark.parametrize("length", ["1_0", "١٢", " 12", "-1", "12abc"])
def test_a_content_length_that_is_not_a_number_is_a_400(client, petition, length):
    response = client.generic(
        "POST", "/en/p/park/sign/", b"full_name=x", "application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
    )  # fmt: skip
    assert response.status_code == 400


def multipart(*parts: bytes, boundary=b"BoUnDaRy") -> tuple[bytes, str]:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + boundary + b"--\r\n", f"multipart/form-data; boundary={boundary.decode()}"


def field(name: bytes, value: bytes, extra: bytes = b"") -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"' + extra + b"\r\n\r\n" + value


@pytest.mark.parametrize(
    "parts",
    [
        [field(b"full_name", b"Aigerim \xff")],
        [field(b"full\x00name", b"Aigerim")],
        [field(b"full_name", b"Aigerim"), field(b"\xd0", b"x")],
        [field(b"f", b"x", b"; filename*=UTF-8''%FF.png")],
        [field(b"f", b"x", b'; filename="a\x00.png"')],
        [b"Content-Disposition: form-data; name=\"full_name\"\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\n" + b"/w=="],  # base64 of 0xFF
    ],
    ids=["bad-value", "nul-name", "bad-name", "bad-filename-star", "nul-filename", "base64"],
)  # fmt: skip
def test_nul_bytes_or_invalid_utf8_in_a_multipart_body_are_a_400(client, petition, parts):
    body, content_type = multipart(*parts)
    response = client.generic("POST", "/en/p/park/sign/", body, content_type)
    assert bad_request_page(response)


def test_a_nul_byte_in_a_body_of_another_kind_is_a_400(client, petition):
    for content_type in ("application/json", "text/plain"):
        response = client.generic("POST", "/en/p/park/sign/", b'{"a": "\x00"}', content_type)
        assert bad_request_page(response)


def test_a_clean_multipart_form_is_still_read(client, petition, no_limits):
    body, content_type = multipart(
        field(b"full_name", "Әйгерім Сапарова".encode()),
        field(b"email", b"aigerim@example.com"),
        field(b"country", b"KZ"),
        field(b"accepted_terms", b"on"),
    )
    response = client.generic("POST", "/en/p/park/sign/", body, content_type)
    assert response.status_code in {200, 303}, response.content[:500]
    assert Signature.objects.get().full_name == "Әйгерім Сапарова"


def test_a_large_body_on_a_page_without_uploads_is_a_400(client, petition):
    big = b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body, content_type = multipart(field(b"f", big, b'; filename="a.png"'))
    assert bad_request_page(client.generic("POST", "/en/p/park/sign/", body, content_type))


# --- Headers --------------------------------------------------------------------------------


def get_pages(client, world):
    for pattern in PATTERNS:
        address = fill(pattern, world)
        response = client.get(address)
        if response.status_code < 300:
            yield pattern.route, response


# The one page other sites may put in a frame: the embeddable count (sharing/views.py), after
# its language prefix.
FRAMEABLE = "p/<slug:slug>/embed/"


def test_every_page_carries_the_security_headers(world, client):
    pages = [*get_pages(moderator_client(world), world), *get_pages(client, world)]
    policy_header = ", ".join(f"{feature}=()" for feature in sorted(settings.PERMISSIONS_POLICY))
    assert len(pages) > 40  # the enumeration found the site's pages
    framed = [route for route, _ in pages if route.split("/", 1)[1:] == [FRAMEABLE]]
    assert len(framed) == 2  # the embed page, seen by a moderator and by an anonymous visitor
    for route, response in pages:
        assert response["X-Content-Type-Options"] == "nosniff", route
        assert response["Referrer-Policy"] == "same-origin", route
        assert response["Permissions-Policy"] == policy_header, route
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", route
        if response["Content-Type"].startswith("text/html"):
            policy = response["Content-Security-Policy"]
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, route
            if route in framed:
                assert "frame-ancestors *" in policy, route
                assert "X-Frame-Options" not in response, route
                continue
            assert "frame-ancestors 'none'" in policy, route
            assert response["X-Frame-Options"] == "DENY", route


def test_the_permissions_policy_switches_off_what_no_page_uses(client, petition):
    header = client.get("/en/p/park/")["Permissions-Policy"]
    features = dict(item.split("=") for item in header.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert features[feature] == "()"
    # What the pages use is left alone: the copy button, video frames going full screen.
    assert "clipboard-write" not in features and "fullscreen" not in features


def test_a_changed_policy_changes_the_header(client, petition):
    with override_settings(PERMISSIONS_POLICY={"camera": ["self"], "geolocation": []}):
        assert client.get("/en/p/park/")["Permissions-Policy"] == "camera=(self), geolocation=()"
    assert "camera=()" in client.get("/en/p/park/")["Permissions-Policy"]


# --- Production: HTTPS and cookies ----------------------------------------------------------

PRODUCTION_NAMES = [
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "HTTPS",
]  # fmt: skip


@functools.cache
def production_settings(**env) -> dict:
    """The settings a production start gets (no DEBUG, no UNDEU_HTTPS given), read in a fresh
    interpreter since settings are made at import."""
    script = (
        "import json, undeu.settings as s; "
        f"print(json.dumps({{name: getattr(s, name, None) for name in {PRODUCTION_NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "p" * 50, "ALLOWED_HOSTS": "testserver",
             "UNDEU_VAR_DIR": "/tmp/undeu-settings-test", **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip
    values = json.loads(result.stdout)
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production():
    return production_settings()


def test_production_cookies_are_secure_http_only_and_same_site(production):
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert production[f"{cookie}_COOKIE_SECURE"] is True
        assert production[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert production[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000


def test_production_sends_hsts_over_https_and_redirects_plain_http(production, petition):
    with override_settings(**production):
        client = Client()
        plain = client.get("/en/p/park/")
        assert plain.status_code == 301
        assert plain["Location"] == "https://testserver/en/p/park/"
        assert "Strict-Transport-Security" not in plain  # HSTS means nothing over plain HTTP

        secure = client.get("/en/p/park/", secure=True)
        assert secure.status_code == 200
        hsts = secure["Strict-Transport-Security"]
        assert re.fullmatch(r"max-age=\d+; includeSubDomains", hsts)
        # Anyone can send X-Forwarded-Proto: it is not believed unless the operator says a
        # proxy that ends TLS stands in front.
        assert client.get("/en/p/park/", HTTP_X_FORWARDED_PROTO="https").status_code == 301
    with override_settings(**production_settings(UNDEU_BEHIND_PROXY="1")):
        proxied = Client().get("/en/p/park/", HTTP_X_FORWARDED_PROTO="https")
        assert proxied.status_code == 200 and "Strict-Transport-Security" in proxied


def test_production_cookies_are_set_with_their_flags(production, petition):
    with override_settings(**production):
        client = Client()
        page = client.get("/en/accounts/login/", secure=True)
        assert page.status_code == 200
        csrf = client.cookies[settings.CSRF_COOKIE_NAME]
        consent = client.post("/ru/cookies/", {"choice": "all", "next": "/ru/p/park/"}, secure=True)
        assert consent.status_code == 303
        cookies = [csrf, client.cookies[settings.LANGUAGE_COOKIE_NAME]]
        cookies.append(client.cookies["undeu_consent"])
        for cookie in cookies:
            assert cookie["secure"] is True
            assert cookie["httponly"] is True
            assert cookie["samesite"] == "Lax"


# --- Rate limits on accounts ----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_password_reset_requests_are_rate_limited_with_a_translated_page(
    client, db, language, django_capture_on_commit_callbacks
):
    address = f"/{language}/accounts/password/reset/"
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            statuses.append(client.post(address, {"email": "victim@example.com"}).status_code)
    # allauth's default: 5 a minute for one address, so a victim's inbox is not flooded.
    assert statuses[:5] == [302] * 5
    refused = client.post(address, {"email": "victim@example.com"})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert f'<html lang="{language}">' in page
    assert translated(language, "Too many attempts") in page
