"""The signing lane: a signing POST, and the POST that confirms a signature, taken in front of
most of the middleware.

In a surge nearly every request that changes anything is a valid signature for an open
petition, or its signer confirming it from the email, and for those the middleware between the
security headers and the view does nothing:
no session, user, messages, CSRF token (public forms are checked by origin instead), and the
language is the address's prefix. Running them, and resolving the address, cost about a sixth
of a signature. The lane asks the same questions the rest would ask of such a request and runs
the same quick path as the view (`views.sign_quickly`). The production application asks it
before Django's handler does anything else (front.py); Django's own handler reaches it as a
middleware standing after the ones that put the security headers on every answer. Anything it
is not sure of (a signed-in visitor, a cross-site or malformed request, invalid data, a closed
or paused petition) goes on through the whole stack as before, so every answer but the quick
one is the full path's.
"""

import re

from django.conf import settings
from django.utils import translation

from undeu.core.middleware import has_malformed_body, has_malformed_envelope
from undeu.core.origin import is_same_origin
from undeu.signatures.views import confirm_quickly_answer, sign_quickly

FORM = "application/x-www-form-urlencoded"


def _lane_addresses() -> re.Pattern:
    languages = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
    # The signing and confirming URLs under i18n_patterns (every language prefixed): the slug
    # as Django's `slug` converter reads it, the token as its `str` converter does.
    return re.compile(rf"/({languages})/(?:p/([-a-zA-Z0-9_]+)/sign|confirm/([^/]+))/")


class Lane:
    """The lane's decision, shared by the middleware below and the handler's front
    (front.py): the quick answer to a request, or None for the rest of the stack."""

    def __init__(self):
        self.address = _lane_addresses()

    def answer(self, request):
        if request.method != "POST" or getattr(request, "lane_asked", False):
            return None
        request.lane_asked = True  # once: the front asked, the middleware need not
        match = self.address.fullmatch(request.path_info)
        if match is None or not self._is_plain(request):
            return None
        language, slug, token = match.groups()
        request.tried_quickly = True
        with translation.override(language):
            if slug is not None:
                response = sign_quickly(request, slug, language)
            else:
                response = confirm_quickly_answer(request, token)
        if response is not None:
            response["Content-Language"] = language
        return response

    @staticmethod
    def _is_plain(request) -> bool:
        """A request the middleware after this one would pass to the view untouched."""
        length = request.META.get("CONTENT_LENGTH", "")
        return (
            request.content_type == FORM
            # Not signed in: the staff's two-factor rule and the session apply to them.
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            # A body the full path must refuse (too large) gets its answer there, in the
            # visitor's language; so does a malformed one.
            and length.isdigit()
            and int(length) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            and not has_malformed_envelope(request)
            and is_same_origin(request)
            and not has_malformed_body(request, None)
        )


class SigningLaneMiddleware:
    """The lane for a request that came through Django's whole handler: the production
    application answers it before that (front.py); the test client, the development server
    and any other handler reach it here."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.lane = Lane()

    def __call__(self, request):
        response = self.lane.answer(request)
        if response is not None:
            return response
        return self.get_response(request)
