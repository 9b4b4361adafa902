"""Django's WSGI handler with the signing lane at its front: the production application.

The lane (lane.py) answers a valid signature, or the POST that confirms one, after the four
middleware that put the security headers on every answer. Reaching it through Django's handler
still cost a thirteenth of a signature's instructions in-process (3.10 against 2.86 million on
SQLite, 2.62 against 2.39 million on PostgreSQL's client side): the `request_started` signal
(the debug log of queries emptied, the database connections looked over) and each of those four
middleware in and out. Here the handler asks
the lane first and, when it answers, puts on the same headers those middleware would, worked out
by them once (`SecurityHeaders`), and nothing else changes:

- The answer's `request_finished` still runs when the server closes it, which looks the
  connections over after every request as before; `request_started`'s look at the start of the
  next one found nothing new since (a connection past its age is closed at the end of the
  request it aged in, and PostgreSQL's check for a dropped connection runs on its first use).
- Anything the lane does not answer goes on with the same request object (its body already
  read, if the lane read it) through the whole handler, signal included.
- An error inside the lane is answered as Django's handler answers it (`response_for_exception`:
  logged, `got_request_exception` sent, the 500 page), with the same headers.
- A request the first middleware would redirect to HTTPS goes the whole way.
"""

from django.conf import settings
from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler, get_script_name
from django.http import HttpResponseRedirect
from django.urls import set_script_prefix
from django.utils.module_loading import import_string

from undeu.core.csp import excludes_paths
from undeu.signatures.lane import Lane

LANE_MIDDLEWARE = "undeu.signatures.lane.SigningLaneMiddleware"


def through_the_middleware_before_lane(answer):
    """`answer` (a view-like callable) wrapped in the middleware that stand before the lane in
    settings, as Django's handler wraps the lane in them."""
    chain = answer
    before_lane = settings.MIDDLEWARE[: settings.MIDDLEWARE.index(LANE_MIDDLEWARE)]
    for path in reversed(before_lane):
        chain = import_string(path)(chain)
    return chain


class SecurityHeaders:
    """The headers the middleware before the lane put on the lane's answers, worked out by those
    middleware themselves on a redirect like the lane's, once for each scheme (HSTS is only
    sent over HTTPS) and again after any setting changes."""

    def __init__(self):
        self.by_scheme: dict[bool, tuple[tuple[str, str], ...]] = {}
        signals.setting_changed.connect(self._forget)  # weakly: gone with the handler

    def _forget(self, **kwargs):
        self.by_scheme.clear()

    def for_answer(self, request, response) -> list[tuple[str, str]]:
        """The headers to send with `response` beside its own (none it already has)."""
        secure = request.is_secure()
        headers = self.by_scheme.get(secure)
        if headers is None:
            headers = self._work_out(request)
            if not excludes_paths():  # else the policy depends on the address: each its own
                self.by_scheme[secure] = headers
        return [(name, value) for name, value in headers if name not in response]

    @staticmethod
    def _work_out(request) -> tuple[tuple[str, str], ...]:
        def answer(_request):
            probe = HttpResponseRedirect("/")
            probe.status_code = 303
            return probe

        own = set(answer(request).headers)
        secured = through_the_middleware_before_lane(answer)(request)
        return tuple((name, value) for name, value in secured.items() if name not in own)


class FrontLaneHandler(WSGIHandler):
    def __init__(self):
        super().__init__()
        self.lane = Lane()
        self.security_headers = SecurityHeaders()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return super().__call__(environ, start_response)
        set_script_prefix(get_script_name(environ))
        request = self.request_class(environ)
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            # The first middleware's answer: a redirect to HTTPS.
            return self._answer_in_full(environ, request, start_response)
        try:
            response = self.lane.answer(request)
            if response is not None:
                headers = self.security_headers.for_answer(request, response)
        except Exception as exc:  # answered as Django's handler would, through the middleware
            return self._start(environ, self._failed(request, exc), start_response)
        if response is None:
            return self._answer_in_full(environ, request, start_response)
        response._resource_closers.append(request.close)
        return self._start(environ, response, start_response, headers)

    @staticmethod
    def _failed(request, exc):
        """Django's answer to an exception in the lane (logged, `got_request_exception` sent,
        the 500 page), through the middleware before the lane as it would have gone."""

        def answer(request):
            return response_for_exception(request, exc)

        return through_the_middleware_before_lane(answer)(request)

    def _answer_in_full(self, environ, request, start_response):
        """What WSGIHandler.__call__ does, for a request already made."""
        signals.request_started.send(sender=self.__class__, environ=environ)
        return self._start(environ, self.get_response(request), start_response)

    def _start(self, environ, response, start_response, more_headers=()):
        """The rest of WSGIHandler.__call__, as it is there (with `more_headers` sent too)."""
        response._handler_class = self.__class__
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *more_headers,
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(status, headers)
        if getattr(response, "file_to_stream", None) is not None and environ.get(
            "wsgi.file_wrapper"
        ):
            response.file_to_stream.close = response.close
            response = environ["wsgi.file_wrapper"](response.file_to_stream, response.block_size)
        return response
