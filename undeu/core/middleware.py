"""Requests that no honest client sends are refused before any view sees them."""

from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest


def _has_forbidden_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _has_invalid_form_body(request) -> bool:
    """Invalid UTF-8 in a form body, raw or percent-encoded (the site's forms are all UTF-8).

    A NUL byte there is left to the forms, which say in which field it is.
    """
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return False
    # Over DATA_UPLOAD_MAX_MEMORY_SIZE this raises RequestDataTooBig: a 400 too.
    try:
        unquote_to_bytes(request.body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class RejectMalformedRequestMiddleware:
    """Answer 400 for NUL bytes or invalid UTF-8 in the path or query string, and for invalid
    UTF-8 in a form body.

    Django would otherwise replace such bytes (or read a whole body as Latin-1) and carry on;
    nothing good can come of them, and a NUL byte reaching PostgreSQL is an error there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_path = request.META.get("PATH_INFO", "").encode("latin-1", "replace")
        query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
        if (
            _has_forbidden_bytes(raw_path)
            or _has_forbidden_bytes(unquote_to_bytes(query.replace(b"+", b" ")))
            or _has_invalid_form_body(request)
        ):
            raise BadRequest("malformed request")
        return self.get_response(request)
