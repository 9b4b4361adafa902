"""Staff and moderation pages require two-factor authentication.

A stolen staff or moderator password must not be enough to remove petitions or invalidate
signatures, so such a person without an authenticator app is sent to set one up before any admin
or moderation page. Signing in with the second factor is allauth's: the admin's own login form,
which would skip it, redirects to allauth's (see apps.py).
"""

import re

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from undeu.moderation.access import PERMISSION as MODERATE

TWO_FACTOR_REQUIRED = _(
    "Staff pages need two-factor authentication. Set up an authenticator app to continue: "
    "a stolen password alone must not open them."
)
# Authenticators that are a second factor by themselves (recovery codes only back them up).
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def _protected_paths() -> re.Pattern:
    languages = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
    return re.compile(rf"^/(?:admin/|(?:{languages})/moderation/)")


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.protected = _protected_paths()

    def __call__(self, request):
        if self.protected.match(request.path_info) and needs_second_factor(request.user):
            messages.warning(request, TWO_FACTOR_REQUIRED)
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def needs_second_factor(user) -> bool:
    """Staff, and moderators who are not staff (the moderation app also admits holders of its
    permission), must have a second factor before these pages."""
    if not user.is_authenticated or not (user.is_staff or user.has_perm(MODERATE)):
        return False
    return not is_mfa_enabled(user, SECOND_FACTORS)
