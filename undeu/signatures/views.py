from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undeu.core.origin import same_origin_forms
from undeu.defence import limits
from undeu.defence.modes import SIGNING_PAUSED, effective_mode
from undeu.defence.screening import origin_of, screen
from undeu.petitions.models import DefenceMode
from undeu.petitions.open_lookup import open_petition
from undeu.petitions.page import count_context
from undeu.petitions.views import public_petition, render_petition
from undeu.signatures.confirming import Outcome, confirm, confirm_quickly, find_signature
from undeu.signatures.forms import SignatureForm, read_signature
from undeu.signatures.models import SignatureState
from undeu.signatures.signing import prepare, store

# How long a paused petition asks a signer to wait before trying again.
PAUSED_RETRY_SECONDS = 600
# A flagged signature is confirmed like any other (and its signer told the same).
CONFIRMABLE = (SignatureState.PENDING, SignatureState.FLAGGED)


def _redirect(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def check_email_path(sign_path: str) -> str:
    """The "check your email" page beside this signing address: `reverse` costs a tenth of a
    signature's whole request (a test holds the two equal)."""
    return sign_path.removesuffix("sign/") + "check-email/"


def base_url(request) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def sign_quickly(request, slug: str, language: str) -> HttpResponseRedirect | None:
    """The surge's path: valid data for an open petition (which each process keeps for a moment,
    open_lookup.py) is the limits' count and one short write, with no form or petition object
    built. None for anything else (invalid data, a closed, unknown or paused petition), which
    the full path answers.

    The view runs it, and so does the signing lane (lane.py) in front of most middleware.
    """
    signature = read_signature(request.POST, language)
    if signature is None:
        return None
    found = open_petition(slug)
    if found is None:
        return None
    petition_id, petition_mode = found
    mode = effective_mode(petition_mode)
    if mode == DefenceMode.PAUSED:
        return None
    _sign(request, petition_id, signature, mode)
    return _redirect(check_email_path(request.path))


@same_origin_forms
@require_POST
def sign_petition(request, slug):
    # The lane in front of the middleware tried the quick path already, if it could.
    if not getattr(request, "tried_quickly", False):
        response = sign_quickly(request, slug, get_language())
        if response is not None:
            return response
    petition = public_petition(slug)
    form = SignatureForm(request.POST)
    if not petition.is_open:
        form.is_valid()
        form.add_error(None, _("This petition is closed and no longer accepts signatures."))
        return render_petition(request, petition, form, status=409)
    mode = effective_mode(petition.defence)
    if mode == DefenceMode.PAUSED:
        form.is_valid()
        form.add_error(None, SIGNING_PAUSED)
        response = render_petition(request, petition, form, status=503)
        response["Retry-After"] = str(PAUSED_RETRY_SECONDS)
        add_never_cache_headers(response)
        # Expected while paused, not a fault: Django would log every one as a server error.
        response._has_been_logged = True
        return response
    if not form.is_valid():
        response = render_petition(request, petition, form, status=400)
        add_never_cache_headers(response)
        return response
    _sign(request, petition.pk, form.signature_request(), mode)
    return _redirect(reverse("signatures:check_email", kwargs={"slug": petition.slug}))


def _sign(request, petition_id: int, signature, mode: str) -> None:
    # Everything that needs no database first, so that the transaction (on SQLite, the one
    # write lock every signer waits for) holds only the statements: the limits' count, then
    # the two INSERTs.
    origin = origin_of(request)
    screening = screen(request, petition_id, signature, mode, origin)
    prepared = prepare(petition_id, signature, base_url=base_url(request), origin=origin)
    with limits.with_signature():
        store(prepared, screening.count())


@require_GET
def check_email(request, slug):
    petition = public_petition(slug)
    version = petition.version_for(get_language())
    return render(
        request, "signatures/check_email.html", {"petition": petition, "version": version}
    )


def confirm_quickly_answer(request, token: str) -> HttpResponseRedirect | None:
    """The surge's path for the POST that confirms: a pending signature on an open petition is
    confirmed without reading it first (confirming.confirm_quickly), and the signer is sent to
    the page that shows the new count, as the full path sends them. None for anything else,
    which changed nothing and which the full path answers.

    The view runs it, and so does the signing lane (lane.py) in front of most middleware."""
    if confirm_quickly(token) is None:
        return None
    return _redirect(request.path)


@same_origin_forms
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_signature(request, token):
    """GET shows a button and changes nothing (link scanners only GET); POST confirms."""
    if request.method == "POST" and not getattr(request, "tried_quickly", False):
        response = confirm_quickly_answer(request, token)
        if response is not None:
            return response
    signature = find_signature(token)
    if signature is None:
        response = render(request, "signatures/bad_link.html", status=404)
        add_never_cache_headers(response)
        return response
    petition = signature.petition
    if request.method == "POST":
        outcome = confirm(signature)
        if outcome in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED):
            return _redirect(request.path)
    else:
        outcome = None
    context = {
        "petition": petition,
        "version": petition.version_for(get_language()),
        "signature": signature,
        "outcome": outcome.value if outcome else None,
        "share_url": base_url(request)
        + reverse("petitions:detail", kwargs={"slug": petition.slug}),
    }
    status = 200
    if signature.signer_confirmed:
        # The signer must see their own signature in the count.
        context.update(count_context(petition, fresh=True))
        template = "signatures/confirmed.html"
    elif signature.state in CONFIRMABLE and petition.accepts_confirmations():
        template = "signatures/confirm.html"
    else:
        template = "signatures/not_counted.html"
        status = 410
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response
