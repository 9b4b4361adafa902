from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undeu.core.origin import same_origin_forms
from undeu.petitions.page import count_context
from undeu.petitions.views import public_petition, render_petition
from undeu.signatures.confirming import Outcome, confirm, find_signature
from undeu.signatures.forms import SignatureForm, read_signature
from undeu.signatures.signing import open_petition_id, sign


def _redirect(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def base_url(request) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


@same_origin_forms
@require_POST
def sign_petition(request, slug):
    # The surge's path first: valid data for an open petition is one read and one short write,
    # with no form or petition object built. Anything else takes the full path below, which
    # builds the form to say what is wrong, or answers 404, 409 or 410 for the petition.
    signature = read_signature(request.POST, get_language())
    if signature is not None:
        petition_id = open_petition_id(slug)
        if petition_id is not None:
            sign(petition_id, signature, base_url=base_url(request))
            return _redirect(reverse("signatures:check_email", kwargs={"slug": slug}))
    petition = public_petition(slug)
    form = SignatureForm(request.POST)
    if not petition.is_open:
        form.is_valid()
        form.add_error(None, _("This petition is closed and no longer accepts signatures."))
        return render_petition(request, petition, form, status=409)
    if not form.is_valid():
        response = render_petition(request, petition, form, status=400)
        add_never_cache_headers(response)
        return response
    sign(petition.pk, form.signature_request(), base_url=base_url(request))
    return _redirect(reverse("signatures:check_email", kwargs={"slug": petition.slug}))


@require_GET
def check_email(request, slug):
    petition = public_petition(slug)
    version = petition.version_for(get_language())
    return render(
        request, "signatures/check_email.html", {"petition": petition, "version": version}
    )


@same_origin_forms
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_signature(request, token):
    """GET shows a button and changes nothing (link scanners only GET); POST confirms."""
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
    if signature.state == "confirmed":
        context.update(count_context(petition))
        template = "signatures/confirmed.html"
    elif signature.state == "pending" and petition.accepts_confirmations():
        template = "signatures/confirm.html"
    else:
        template = "signatures/not_counted.html"
        status = 410
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response
