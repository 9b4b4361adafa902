"""Data rights without an account: ask for a link by email; from the link, see, download,
withdraw, stop emails, erase. GET only shows (link scanners open links); POST acts."""

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from undeu.audit.log import record
from undeu.core.origin import same_origin_forms
from undeu.datarights import links, rights
from undeu.datarights.export import export, shown_state
from undeu.datarights.forms import EraseForm, LinkRequestForm
from undeu.defence.client import client_ip
from undeu.petitions.views import cacheable_for_anonymous
from undeu.signatures.identity import email_digest
from undeu.signatures.models import SignatureState
from undeu.signatures.views import base_url

# How long a visitor over the request limit is asked to wait.
RETRY_AFTER_SECONDS = 3600


def _uncached(response):
    add_never_cache_headers(response)
    return response


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@same_origin_forms
@require_http_methods(["GET", "HEAD", "POST"])
def request_link(request):
    if request.method != "POST":
        response = render(request, "datarights/request.html", {"form": LinkRequestForm()})
        return cacheable_for_anonymous(request, response)
    form = LinkRequestForm(request.POST)
    if not form.is_valid():
        return _uncached(render(request, "datarights/request.html", {"form": form}, status=400))
    email = form.cleaned_data["email"]
    try:
        links.check_rate(client_ip(request) or "", email_digest(email))
    except links.TooManyRequests:
        response = _uncached(render(request, "datarights/too_many.html", status=429))
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    links.request_link(email, language=get_language(), base_url=base_url(request))
    return _see_other(reverse("datarights:sent"))


@require_GET
def link_sent(request):
    response = render(request, "datarights/sent.html")
    return cacheable_for_anonymous(request, response)


def _done_messages() -> dict[str, str]:
    return {
        "withdrawn": _("Your signature is withdrawn. It no longer counts."),
        "emails_stopped": _("Done: we will send you no more emails."),
        "emails_allowed": _("Done: emails you ask for reach you again."),
    }


def _rows(link, language: str) -> list[dict]:
    signatures = (
        rights.signatures_of(link.email_digest)
        .select_related("petition")
        .prefetch_related("petition__versions")
        .order_by("-created_at", "-pk")
    )
    return [
        {
            "id": signature.pk,
            "petition": signature.petition,
            "title": signature.petition.version_for(language).title,
            "state": SignatureState(shown_state(signature)).label,
            "signed_at": signature.created_at,
            "withdrawable": signature.state != SignatureState.WITHDRAWN,
        }
        for signature in signatures
    ]


def _page(request, link, *, status=200, erase_form=None, error="", done=""):
    context = {
        "link": link,
        "signatures": _rows(link, get_language()),
        "emails_stopped": rights.emails_stopped(link.email_digest),
        "erase_form": erase_form or EraseForm(),
        "error": error,
        "done": _done_messages().get(done, ""),
    }
    return _uncached(render(request, "datarights/manage.html", context, status=status))


@same_origin_forms
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    link = links.find_link(token)
    if link is None:
        return _uncached(render(request, "datarights/bad_link.html", status=404))
    if request.method == "POST":
        return _act(request, link)
    rights.mark_opened(link)
    return _page(request, link, done=request.GET.get("done", ""))


def _act(request, link):
    action = request.POST.get("action", "")
    digest = link.email_digest
    if action == "download":
        return _download(request, link)
    if action == "withdraw":
        signature_id = request.POST.get("signature", "")
        valid = signature_id.isascii() and signature_id.isdigit() and len(signature_id) < 19
        if not valid or not rights.withdraw(digest, int(signature_id)):
            return _page(request, link, status=400, error=_("This is not one of your signatures."))
        return _see_other(f"{request.path}?done=withdrawn")
    if action == "stop_emails":
        rights.stop_emails(digest)
        return _see_other(f"{request.path}?done=emails_stopped")
    if action == "allow_emails":
        rights.resume_emails(digest)
        return _see_other(f"{request.path}?done=emails_allowed")
    if action == "erase":
        form = EraseForm(request.POST)
        if not form.is_valid():
            return _page(request, link, status=400, erase_form=form)
        stopped = rights.emails_stopped(digest)
        erased = rights.erase(digest)
        count = sum(len(ids) for ids in erased.values())
        context = {"count": count, "emails_stopped": stopped}
        return _uncached(render(request, "datarights/erased.html", context))
    return _page(request, link, status=400, error=_("Choose one of the buttons on the page."))


def _download(request, link):
    digest = link.email_digest
    body = export(digest, language=get_language(), base_url=base_url(request))
    ids = sorted(rights.signatures_of(digest).values_list("pk", flat=True))
    record("datarights.downloaded", signatures=ids)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-signatures.json"'
    return _uncached(response)
