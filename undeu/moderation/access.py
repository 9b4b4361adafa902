"""Who may moderate: staff, or anyone given the "moderate" permission."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.views.decorators.cache import never_cache

PERMISSION = "moderation.moderate"


def is_moderator(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_staff or user.has_perm(PERMISSION))


def moderator_required(view):
    """Log in first; then a translated 403 for people who are not moderators. Never cached."""

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            return render(request, "moderation/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
