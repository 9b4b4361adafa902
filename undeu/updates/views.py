from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from undeu.signatures.views import base_url
from undeu.updates.access import starter_petition
from undeu.updates.forms import UpdateForm
from undeu.updates.posting import post_update
from undeu.updates.unsubscribe import signature_for_token, stop_emails


@require_http_methods(["GET", "POST"])
@starter_petition
def new_update(request, petition):
    form = UpdateForm(request.POST or None, petition=petition)
    if request.method == "POST" and form.is_valid():
        post_update(petition, author=request.user, texts=form.texts(), base_url=base_url(request))
        messages.success(
            request,
            _("Your update is on the petition page and is being emailed to signers who asked."),
        )
        response = HttpResponseRedirect(reverse("delivery:manage", kwargs={"slug": petition.slug}))
        response.status_code = 303
        return response
    return render(
        request,
        "updates/new_update.html",
        {"petition": petition, "version": petition.version_for(get_language()), "form": form},
        status=400 if form.is_bound else 200,
    )


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET shows a button and changes nothing (link scanners open links); POST unsubscribes.

    The POST also comes from mail clients (RFC 8058: a cross-site POST with the body
    "List-Unsubscribe=One-Click", without cookies), so it has no CSRF token and no origin
    check: the unguessable token is the authority, and all it can do is stop emails.
    """
    signature = signature_for_token(token)
    if signature is None:
        response = render(request, "updates/bad_unsubscribe_link.html", status=404)
    else:
        if request.method == "POST":
            stop_emails(signature)
        petition = signature.petition
        response = render(
            request,
            "updates/unsubscribe.html",
            {
                "petition": petition,
                "version": petition.version_for(get_language()),
                "signature": signature,
                "done": request.method == "POST",
            },
        )
    add_never_cache_headers(response)
    return response
