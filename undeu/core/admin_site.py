"""Django's admin site, with one rule every model admin's changelist shares: a bounded search.

Each word of the changelist's search (`?q=`) becomes a LIKE pattern per search field, and SQLite
refuses a pattern over 50,000 bytes with an error, so a long enough search was a 500 on any
admin page with a search box (found by tests/test_fuzz.py). Nobody types a search that long; a
search over MAX_SEARCH_LENGTH characters gets a 400 that says why, in the moderator's language.
The rule is the site's, so it covers the model admins of Django, allauth and ours alike.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpResponseBadRequest
from django.utils.translation import ngettext

MAX_SEARCH_LENGTH = 200


def search_too_long(request) -> HttpResponseBadRequest | None:
    if len(request.GET.get(SEARCH_VAR, "")) <= MAX_SEARCH_LENGTH:
        return None
    message = ngettext(
        "A search can be at most %(limit)d character long.",
        "A search can be at most %(limit)d characters long.",
        MAX_SEARCH_LENGTH,
    ) % {"limit": MAX_SEARCH_LENGTH}
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class UndeuAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        # Inside the site's own checks: who may not see the admin is sent to sign in first.
        @wraps(view)
        def bounded(request, *args, **kwargs):
            return search_too_long(request) or view(request, *args, **kwargs)

        return super().admin_view(bounded, cacheable)


class UndeuAdminConfig(AdminConfig):
    default_site = "undeu.core.admin_site.UndeuAdminSite"
