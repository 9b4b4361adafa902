from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from undeu.accounts.verification import has_verified_email


@never_cache
@require_GET
def home(request):
    """Where the header's account link goes: the sign-in for visitors, the account for people
    who are signed in. The shared header stays the same for everyone, so it can be cached."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(
        request, "accounts/home.html", {"email_verified": has_verified_email(request.user)}
    )
