"""Cross-site request protection for the public forms, without a token in the page.

A CSRF token in the HTML would make every petition page unique per visitor and so uncacheable,
and the public forms (sign, confirm, cookie choices) carry no ambient authority: no session or
login is involved. Browsers tell us where a POST comes from (Sec-Fetch-Site, and Origin on every
POST), so a cross-site forgery is refused on those headers, as Go's CrossOriginProtection and
OWASP's Fetch Metadata guidance do. A request with neither header does not come from a browser,
and so cannot be a forgery riding on a victim's browser.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt


def is_same_origin(request) -> bool:
    # From META: `request.headers` builds a dict of every header first (signing's hot path).
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    if origin == "null":
        return False
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    if settings.SITE_URL:
        parts = urlsplit(settings.SITE_URL)
        allowed.add(f"{parts.scheme}://{parts.netloc}")
    return origin in allowed


def same_origin_forms(view):
    """Exempt a view from Django's token check and refuse cross-site POSTs instead."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not is_same_origin(request):
            return render(request, "core/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
