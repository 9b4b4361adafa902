"""Requests that no honest client sends are refused before any view sees them."""

import re
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest

from undeu.core.malformed import has_forbidden_bytes, is_utf8, malformed_multipart

# Request headers that WSGI passes without the HTTP_ prefix.
_PLAIN_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")
# Django reads the length with int(), which would also take " 1_0" or Arabic-Indic digits, and
# fails with a 500 on anything else.
_CONTENT_LENGTH = re.compile(r"[0-9]+")


def accepts_files(max_bytes: int):
    """Mark a view that takes file uploads, with the largest request it takes.

    Every other view gets at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, files included (Django
    limits only the form fields and would write any file to disk). The view itself refuses a
    request over `max_bytes` from its Content-Length, with its own page, before reading it.
    """

    def mark(view):
        view.upload_max_bytes = max_bytes
        return view

    return mark


def _as_sent(text: str) -> bytes:
    """The bytes a client sent, from the Latin-1 text WSGI makes of them (PEP 3333).

    Text no server could produce (the test client passes any) cannot stand for raw bytes.
    """
    return text.encode("latin-1", "replace")


def _has_malformed_headers(request) -> bool:
    length = request.META.get("CONTENT_LENGTH")
    if length and not _CONTENT_LENGTH.fullmatch(length):
        return True
    if any(
        has_forbidden_bytes(_as_sent(value))
        for name, value in request.META.items()
        if (name.startswith("HTTP_") or name in _PLAIN_HEADERS) and isinstance(value, str)
    ):
        return True
    # A quoted cookie value may spell bytes as octal escapes ("\000"), which parsing turns into
    # the characters themselves: the session key goes to the database as parsed.
    return any(
        has_forbidden_bytes(_as_sent(name)) or has_forbidden_bytes(_as_sent(value))
        for name, value in request.COOKIES.items()
    )


def has_malformed_envelope(request) -> bool:
    """Forbidden bytes in the path, the query string, a header or a cookie, or a Content-Length
    that is not a number."""
    raw_path = _as_sent(request.META.get("PATH_INFO", ""))
    query = _as_sent(request.META.get("QUERY_STRING", ""))
    return (
        has_forbidden_bytes(raw_path)
        or has_forbidden_bytes(unquote_to_bytes(query.replace(b"+", b" ")))
        or _has_malformed_headers(request)
    )


def has_malformed_body(request, view) -> bool:
    """Invalid UTF-8 in a form body, raw or percent-encoded (the site's forms are all UTF-8), or
    a NUL byte or invalid UTF-8 in a body of any other kind, or in a multipart body's names.

    A NUL byte in a form field's value is left to the forms, which say in which field it is.
    Reading `request.body` raises RequestDataTooBig over DATA_UPLOAD_MAX_MEMORY_SIZE: a 400.
    """
    if request.content_type == "multipart/form-data":
        body = _multipart_body(request, view)
        boundary = request.content_params.get("boundary")
        # Without a boundary Django's parser refuses the body itself (a 400 too).
        return bool(body and boundary) and malformed_multipart(body, _as_sent(boundary))
    if request.content_type == "application/x-www-form-urlencoded":
        return not is_utf8(unquote_to_bytes(request.body.replace(b"+", b" ")))
    return has_forbidden_bytes(request.body)


def _multipart_body(request, view) -> bytes | None:
    """The whole body; None for a request the view will refuse as too large without reading."""
    max_bytes = getattr(view, "upload_max_bytes", None)
    if max_bytes is None:
        return request.body
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes:
        return None
    # What `request.body` does, without its limit for pages that take no files: read the body
    # once and keep it where Django's parser and later readers of the request look for it.
    body = request.read()
    request._body = body
    return body


class RejectMalformedRequestMiddleware:
    """Answer 400 for NUL bytes or invalid UTF-8 in the path, the query string, a header or a
    cookie, for a Content-Length that is not a number, and for such bytes in the text of a
    request body (see has_malformed_body).

    Django would otherwise replace such bytes (or read a whole body as Latin-1) and carry on;
    nothing good can come of them, and a NUL byte reaching PostgreSQL is an error there (a
    session cookie with one made every signed-in page a 500).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_malformed_envelope(request):
            raise BadRequest("malformed request")
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        # Here rather than in __call__: how large a multipart body may be depends on the view.
        if request.method == "POST" and has_malformed_body(request, view):
            raise BadRequest("malformed request body")
        return None
