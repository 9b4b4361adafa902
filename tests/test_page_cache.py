"""The cache in front of Django: stores only what HTTP says a shared cache may, for as long."""

import io
import sys

import pytest
from django.core.wsgi import get_wsgi_application

from undeu.core.page_cache import PageCache, storable_for, wrap


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class App:
    """A WSGI application that counts its calls and answers with what it is told."""

    def __init__(self, headers=None, status="200 OK"):
        self.calls = 0
        self.status = status
        self.headers = (
            headers
            if headers is not None
            else [
                ("Content-Type", "text/html"),
                ("Cache-Control", "public, max-age=1"),
                ("Vary", "Cookie, Accept-Language"),
            ]
        )

    def __call__(self, environ, start_response):
        self.calls += 1
        start_response(self.status, list(self.headers))
        return [f"page {self.calls}".encode()]


def environ(method="GET", path="/kk/p/x/", **headers):
    values = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "HTTP_HOST": "example.kz",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    values.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return values


def call(application, **kwargs):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(environ(**kwargs), start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cached(settings, clock):
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    app = App()
    return app, PageCache(app, max_entries=3, max_body=1000, clock=clock)


def test_a_public_page_is_rendered_once_per_second(cached, clock):
    app, cache = cached
    assert call(cache)[2] == b"page 1"
    clock.now += 0.9
    status, headers, body = call(cache)
    assert (status, body, app.calls) == ("200 OK", b"page 1", 1)
    assert headers["Age"] == "0"
    clock.now += 0.2
    assert call(cache)[2] == b"page 2"


def test_head_is_answered_from_a_stored_get(cached):
    app, cache = cached
    call(cache)
    status, headers, body = call(cache, method="HEAD")
    assert (status, body, app.calls) == ("200 OK", b"", 1)
    assert headers["Content-Type"] == "text/html"


@pytest.mark.parametrize(
    "request_headers",
    [
        {"cookie": "sessionid=abc"},
        {"cookie": "undeu_consent=1:media; csrftoken=x"},
        {"authorization": "Basic eA=="},
    ],
)
def test_requests_with_sessions_other_cookies_or_credentials_never_use_it(cached, request_headers):
    _app, cache = cached
    call(cache)
    assert call(cache, **request_headers)[2] == b"page 2"
    assert call(cache, **request_headers)[2] == b"page 3"


def test_each_cookie_choice_has_its_own_copy(cached):
    _app, cache = cached
    assert call(cache)[2] == b"page 1"
    assert call(cache, cookie="undeu_consent=1:media")[2] == b"page 2"
    assert call(cache, cookie="undeu_language=ru; undeu_consent=1:media")[2] == b"page 3"
    # The same choices in another order are the same copy.
    assert call(cache, cookie="undeu_consent=1:media;undeu_language=ru")[2] == b"page 3"
    assert call(cache, cookie="undeu_consent=1:media")[2] == b"page 2"
    assert call(cache)[2] == b"page 1"


def test_a_proxy_s_scheme_and_host_headers_are_part_of_the_key(cached):
    _app, cache = cached
    assert call(cache, x_forwarded_proto="https")[2] == b"page 1"
    assert call(cache, x_forwarded_proto="http")[2] == b"page 2"
    assert call(cache, x_forwarded_host="other.example")[2] == b"page 3"
    assert call(cache, x_forwarded_proto="https")[2] == b"page 1"


def test_post_is_never_cached(cached):
    app, cache = cached
    call(cache, method="POST")
    call(cache, method="POST")
    assert app.calls == 2


@pytest.mark.parametrize(
    "headers",
    [
        [("Cache-Control", "private, max-age=60")],
        [("Cache-Control", "public, max-age=60, no-cache")],
        [("Cache-Control", "no-store")],
        [("Cache-Control", "max-age=60")],
        [("Cache-Control", "public, max-age=0")],
        [("Cache-Control", "public, max-age=x")],
        [("Cache-Control", "public, max-age=60"), ("Set-Cookie", "a=b")],
        [("Cache-Control", "public, max-age=60"), ("Vary", "*")],
        [],
    ],
)
def test_only_what_a_shared_cache_may_keep_is_kept(settings, clock, headers):
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    app = App(headers)
    cache = PageCache(app, max_entries=3, max_body=1000, clock=clock)
    call(cache)
    call(cache)
    assert app.calls == 2


@pytest.mark.parametrize("status", ["404 Not Found", "410 Gone", "500 Internal Server Error"])
def test_only_successful_pages_are_kept(settings, status):
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    assert storable_for(status, [("Cache-Control", "public, max-age=60")]) == 0
    assert storable_for("200 OK", [("Cache-Control", "public, max-age=60")]) == 1
    # s-maxage is for shared caches, and wins over max-age.
    assert storable_for("200 OK", [("Cache-Control", "public, s-maxage=0, max-age=9")]) == 0


def test_each_value_of_a_vary_header_is_its_own_copy(cached):
    _app, cache = cached
    assert call(cache, accept_language="kk")[2] == b"page 1"
    assert call(cache, accept_language="ru")[2] == b"page 2"
    assert call(cache, accept_language="kk")[2] == b"page 1"
    assert call(cache, accept_language="ru")[2] == b"page 2"
    assert call(cache, path="/kk/p/y/")[2] == b"page 3"


def test_it_keeps_the_most_recently_used_pages(cached):
    _app, cache = cached
    for path in ["/a/", "/b/", "/c/"]:
        call(cache, path=path)
    call(cache, path="/a/")  # used: now the most recent
    call(cache, path="/d/")  # evicts /b/
    assert call(cache, path="/a/")[2] == b"page 1"
    assert call(cache, path="/b/")[2] == b"page 5"


def test_large_pages_are_passed_through(settings, clock):
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    app = App()
    cache = PageCache(app, max_entries=3, max_body=3, clock=clock)
    call(cache)
    call(cache)
    assert app.calls == 2


def test_one_request_renders_an_expired_page_while_others_get_the_old_copy(cached, clock):
    _app, cache = cached
    call(cache)
    clock.now += 1.5
    # The first request after expiry claims the refresh; until it stores, others get page 1.
    claimed = cache._fresh_or_claim(("https", "example.kz", "/kk/p/x/", "", "", "", ""), environ())
    assert claimed is None
    assert call(cache)[2] == b"page 1"
    clock.now += 1.5  # the refresh never finished (it failed): others render again
    assert call(cache)[2] == b"page 2"


def test_a_page_that_stops_being_public_is_dropped(cached, clock):
    app, cache = cached
    call(cache)
    app.headers = [("Cache-Control", "private")]
    clock.now += 2
    assert call(cache)[2] == b"page 2"
    assert call(cache)[2] == b"page 3"


def test_it_can_be_turned_off(settings):
    settings.UNDEU_PAGE_CACHE_SECONDS = 0
    app = App()
    assert wrap(app) is app


@pytest.mark.django_db(transaction=True)
def test_the_petition_page_is_served_from_it_until_it_expires(settings, petition, clock):
    """Through Django: the anonymous petition page is kept; with a cookie it is rendered."""
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    settings.ALLOWED_HOSTS = ["example.kz"]
    cache = PageCache(get_wsgi_application(), max_entries=10, max_body=10**6, clock=clock)
    path = f"/kk/p/{petition.slug}/"
    status, headers, first = call(cache, path=path)
    assert status == "200 OK"
    assert "public" in headers["Cache-Control"]
    assert len(cache.entries) == 1
    petition.versions.filter(language="kk").update(title="Жаңа тақырып")
    assert call(cache, path=path)[2] == first
    assert "Жаңа тақырып" in call(cache, path=path, cookie="sessionid=a")[2].decode()
    clock.now += 1.1
    assert "Жаңа тақырып" in call(cache, path=path)[2].decode()


@pytest.mark.django_db(transaction=True)
def test_count_json_is_kept_and_a_sign_post_is_not(settings, petition, clock):
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    settings.ALLOWED_HOSTS = ["example.kz"]
    cache = PageCache(get_wsgi_application(), max_entries=10, max_body=10**6, clock=clock)
    call(cache, path=f"/p/{petition.slug}/count.json")
    assert len(cache.entries) == 1
    call(cache, method="POST", path=f"/kk/p/{petition.slug}/sign/")
    assert len(cache.entries) == 1


@pytest.mark.django_db
def test_an_answer_in_memory_goes_to_the_server_in_one_piece_and_closed():
    """A list is sent by the server in one call; Django's response object would be iterated
    through Python and closed by a call back. Closing it is Django's end of the request."""
    from django.core.signals import request_finished
    from django.http import HttpResponse, StreamingHttpResponse

    from undeu.core.page_cache import in_one_piece

    finished = []

    def note(**kwargs):
        finished.append(True)

    request_finished.connect(note)
    try:
        response = HttpResponse(b"body", status=303)
        assert in_one_piece(response) == [b"body"] and finished == [True]
        stream = StreamingHttpResponse(iter([b"a", b"b"]))
        assert in_one_piece(stream) is stream and finished == [True]  # left to the server
        assert in_one_piece([b"x"]) == [b"x"]
    finally:
        request_finished.disconnect(note)


@pytest.mark.django_db
def test_a_post_through_the_application_comes_back_as_one_piece(petition):
    application = wrap(get_wsgi_application())
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = status

    body = b"full_name=A+B&email=a%40example.com&country=KZ"
    request = environ("POST", f"/kk/p/{petition.slug}/sign/", host="testserver")
    request.update(
        {
            "HTTP_HOST": "testserver",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    # As Django's test client does: the handler must not close the test's connection.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(request, start_response)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert isinstance(result, list) and answer["status"].startswith("303")
