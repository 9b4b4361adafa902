"""A small shared cache in front of Django for pages every anonymous visitor sees the same.

In a surge most readers arrive from a shared link with no cookie, and the petition page they get
is the same for all of them for a second at a time: the view marks it `Cache-Control: public`.
Rendering it costs milliseconds; handing out stored bytes costs microseconds, and Django's own
request handling alone (about 0.4 ms) is more than a page may cost at the target rate. So this
WSGI wrapper sits outside Django and behaves like a reverse proxy's cache, by the HTTP rules:

- only GET (and HEAD, from a stored GET) without credentials, and without cookies other than
  the cookie-consent and language choices (part of the key, like Vary: Cookie asks), is
  answered from it;
- only a 200 whose Cache-Control says `public` with a `max-age`, without `private`, `no-cache`,
  `no-store` or Set-Cookie, and whose Vary is not `*`, is stored, separately for each value of
  the request headers named in its Vary;
- an entry is kept for at most UNDEU_PAGE_CACHE_SECONDS (and never beyond its max-age), so the
  count a page shows is at most that much older than the count the view read;
- when an entry expires, one request renders the page again while the others are answered with
  the old copy for the few milliseconds that takes, instead of all rendering it at once.

Each process has its own; a page is rendered about once a second per process. Nothing personal
can be in it: a request with a session or any other cookie never reads or fills it, and a
response that sets a cookie is never stored.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings

from undeu.core.consent import COOKIE_NAME as CONSENT_COOKIE

BYPASS_HEADERS = ("HTTP_AUTHORIZATION",)
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
REFUSING_DIRECTIVES = {"private", "no-cache", "no-store"}
# How long an expired copy may still be handed out while one request renders the new one.
REFRESH_GRACE_SECONDS = 1.0


@dataclass
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    stored_at: float
    expires_at: float
    refreshing: bool = field(default=False)


def _directives(headers) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "cache-control":
            for part in value.split(","):
                key, _, argument = part.strip().partition("=")
                found[key.strip().lower()] = argument.strip().strip('"')
    return found


def _header(headers, wanted: str) -> str:
    return ", ".join(value for name, value in headers if name.lower() == wanted)


def storable_for(status: str, headers) -> float:
    """Seconds a response may be kept by this shared cache (0: not at all)."""
    if not status.startswith("200 "):
        return 0
    if _header(headers, "set-cookie"):
        return 0
    if "*" in _header(headers, "vary"):
        return 0
    directives = _directives(headers)
    if "public" not in directives or REFUSING_DIRECTIVES & directives.keys():
        return 0
    try:
        max_age = int(directives.get("s-maxage") or directives.get("max-age") or 0)
    except ValueError:
        return 0
    return max(0, min(max_age, settings.UNDEU_PAGE_CACHE_SECONDS))


def _anonymous_cookie_names() -> frozenset[str]:
    return frozenset({CONSENT_COOKIE, settings.LANGUAGE_COOKIE_NAME})


def anonymous_cookies_only(cookies) -> bool:
    """True when a visitor's cookies are only their consent and language choices."""
    return set(cookies) <= _anonymous_cookie_names()


def cookie_key(raw: str) -> str | None:
    """The part of the key for a Cookie header, or None when it holds anything else."""
    if not raw:
        return ""
    pairs = sorted(part.strip() for part in raw.split(";") if part.strip())
    allowed = _anonymous_cookie_names()
    if any(pair.partition("=")[0].strip() not in allowed for pair in pairs):
        return None
    return ";".join(pairs)


def _vary_names(headers) -> tuple[str, ...]:
    names = (name.strip().upper().replace("-", "_") for name in _header(headers, "vary").split(","))
    # Cookie is always part of the key (see cookie_key).
    return tuple(sorted(name for name in names if name and name != "COOKIE"))


def in_one_piece(response):
    """A response held in memory, as a list of its one body: the server then sends it in one
    call (granian's response_bytes) instead of iterating it through Python chunk by chunk and
    calling back to close it, about a sixth of what a signature cost it. Closing it here is
    what the server would do after the last chunk (Django's request_finished)."""
    if getattr(response, "streaming", True):
        return response  # a file, a stream, or not Django's: as it is
    try:
        return [response.content]
    finally:
        response.close()


class PageCache:
    def __init__(self, application, *, max_entries: int, max_body: int, clock=time.monotonic):
        self.application = application
        self.max_entries = max_entries
        self.max_body = max_body
        self.clock = clock
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.vary: dict[tuple, tuple[str, ...]] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or any(environ.get(h) for h in BYPASS_HEADERS):
            return in_one_piece(self.application(environ, start_response))
        cookies = cookie_key(environ.get("HTTP_COOKIE", ""))
        if cookies is None:
            return in_one_piece(self.application(environ, start_response))
        base = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING", ""),
            cookies,
            # What Django may build absolute links from behind a proxy, without a Vary for it.
            environ.get("HTTP_X_FORWARDED_PROTO", ""),
            environ.get("HTTP_X_FORWARDED_HOST", ""),
        )
        entry = self._fresh_or_claim(base, environ)
        if entry is not None:
            return self._serve(entry, method, start_response)
        if method == "HEAD" or any(environ.get(h) for h in CONDITIONAL_HEADERS):
            return self.application(environ, start_response)
        return self._render_and_store(base, environ, start_response)

    def _key(self, base, environ) -> tuple | None:
        names = self.vary.get(base)
        if names is None:
            return None
        return (base, tuple(environ.get(f"HTTP_{name}", "") for name in names))

    def _fresh_or_claim(self, base, environ) -> Entry | None:
        """The stored copy to answer with, or None when this request should render."""
        with self.lock:
            key = self._key(base, environ)
            entry = self.entries.get(key) if key else None
            if entry is None:
                return None
            now = self.clock()
            if now < entry.expires_at:
                self.entries.move_to_end(key)
                return entry
            if entry.refreshing and now < entry.expires_at + REFRESH_GRACE_SECONDS:
                return entry
            entry.refreshing = True  # this request renders; the others keep the old copy
            return None

    def _serve(self, entry: Entry, method: str, start_response):
        age = int(self.clock() - entry.stored_at)
        start_response(entry.status, [*entry.headers, ("Age", str(age))])
        return [b""] if method == "HEAD" else [entry.body]

    def _render_and_store(self, base, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.application(environ, capture)
        seconds = storable_for(captured.get("status", ""), captured.get("headers", []))
        if not seconds or getattr(result, "streaming", False):
            self._forget_claim(base, environ)
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(body) <= self.max_body:
            self._store(base, environ, captured, body, seconds)
        return [body]

    def _store(self, base, environ, captured, body: bytes, seconds: float) -> None:
        headers = [(n, v) for n, v in captured["headers"] if n.lower() != "age"]
        now = self.clock()
        with self.lock:
            self.vary[base] = _vary_names(headers)
            key = self._key(base, environ)
            self.entries[key] = Entry(captured["status"], headers, body, now, now + seconds)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
            if len(self.vary) > 4 * self.max_entries:
                self.vary = {base: self.vary[base]}  # learnt again on the next miss

    def _forget_claim(self, base, environ) -> None:
        # The page is no longer storable (it changed state, or errs): drop the old copy.
        with self.lock:
            key = self._key(base, environ)
            if key is not None:
                self.entries.pop(key, None)


def wrap(application):
    if settings.UNDEU_PAGE_CACHE_SECONDS <= 0:
        return application
    return PageCache(
        application,
        max_entries=settings.UNDEU_PAGE_CACHE_ENTRIES,
        max_body=settings.UNDEU_PAGE_CACHE_MAX_BODY,
    )
