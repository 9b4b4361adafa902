"""The site-wide Content-Security-Policy, built once: the same header django-csp builds, and
django-csp's own handling for anything a response or request changes."""

import pytest
from csp.constants import HEADER, NONCE
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from undeu.core.csp import SiteCSPMiddleware

pytestmark = pytest.mark.django_db


def respond(response=None, request=None):
    middleware = SiteCSPMiddleware(lambda request: response or HttpResponse("ok"))
    return middleware(request or RequestFactory().get("/"))


def test_every_page_carries_the_policy_django_csp_would_build(client):
    response = client.get("/kk/")
    assert response[HEADER] == build_policy()
    assert "'unsafe-inline'" not in response[HEADER]
    assert "frame-ancestors 'none'" in response[HEADER]


def test_a_changed_setting_changes_the_header():
    assert "report-uri" not in respond()[HEADER]
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/r/"}}
    ):
        assert respond()[HEADER] == "default-src 'self'; report-uri /r/"
    assert "report-uri" not in respond()[HEADER]


def test_a_response_with_its_own_policy_gets_it():
    own = HttpResponse("ok")
    own._csp_update = {"img-src": ["https://tiles.example.org"]}
    assert "https://tiles.example.org" in respond(own)[HEADER]
    exempt = HttpResponse("ok")
    exempt._csp_exempt = True
    assert HEADER not in respond(exempt)


@override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}})
def test_a_view_that_used_a_nonce_gets_it_in_the_header():
    def view(request):
        return HttpResponse(str(request.csp_nonce))

    response = SiteCSPMiddleware(view)(RequestFactory().get("/"))
    assert f"script-src 'self' 'nonce-{response.content.decode()}'" in response[HEADER]
    assert "nonce" not in respond()[HEADER]  # the next response without one has none


def test_a_header_a_view_set_itself_is_kept():
    response = HttpResponse("ok")
    response[HEADER] = "sandbox"
    assert respond(response)[HEADER] == "sandbox"
