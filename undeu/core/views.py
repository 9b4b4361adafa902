from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from undeu.api.cors import api_error, is_api_request
from undeu.core import consent
from undeu.core.origin import same_origin_forms


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        local = urlsplit(target)._replace(scheme="", netloc="").geturl()
        # "http://this-host//evil.example" leaves "//evil.example": a path that is a host again.
        if local.startswith("/") and url_has_allowed_host_and_scheme(local, allowed_hosts=None):
            return local
    return fallback


@same_origin_forms
@require_http_methods(["GET", "POST"])
def cookie_settings(request):
    """The consent dialog as a page: works without JavaScript, and is linked from every page."""
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        if choice == "all":
            chosen = consent.Consent(decided=True, preferences=True, media=True)
        elif choice == "necessary":
            chosen = consent.Consent(decided=True)
        else:
            chosen = consent.Consent(
                decided=True,
                preferences=request.POST.get("preferences") == "on",
                media=request.POST.get("media") == "on",
            )
        response = HttpResponseRedirect(_safe_next(request, f"/{get_language()}/"))
        response.status_code = 303
        response.set_cookie(
            consent.COOKIE_NAME,
            chosen.to_cookie(),
            max_age=consent.COOKIE_MAX_AGE,
            secure=settings.HTTPS,
            httponly=True,
            samesite="Lax",
        )
        if chosen.preferences:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                get_language(),
                max_age=consent.COOKIE_MAX_AGE,
                secure=settings.HTTPS,
                httponly=True,
                samesite="Lax",
            )
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
        return response
    return render(
        request,
        "core/cookie_settings.html",
        {"next": _safe_next(request, f"/{get_language()}/")},
    )


def bad_request(request, exception=None):
    if is_api_request(request):
        return api_error(400)
    return render(request, "core/error.html", {"error_code": 400}, status=400)


def permission_denied(request, exception=None):
    if is_api_request(request):
        return api_error(403)
    return render(request, "core/forbidden.html", status=403)


def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_error(404)
    return render(request, "core/error.html", {"error_code": 404}, status=404)


def server_error(request):
    if is_api_request(request):
        return api_error(500)
    return render(request, "core/error.html", {"error_code": 500}, status=500)
