"""Any reader can report a petition that breaks the rules: a public form without a token
(protected by `same_origin_forms`, like the sign form), rate-limited per address."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from undeu.core.origin import same_origin_forms
from undeu.defence.client import client_ip
from undeu.moderation.forms import AbuseReportForm
from undeu.moderation.reports import ReportLimitReached, file_report
from undeu.moderation.views import see_other
from undeu.petitions.views import cacheable_for_anonymous, public_petition


def _render(request, template, petition, *, status=200, **context):
    context.update(petition=petition, version=petition.version_for(get_language()))
    return render(request, template, context, status=status)


def _uncached(response):
    add_never_cache_headers(response)
    return response


@same_origin_forms
@require_http_methods(["GET", "HEAD", "POST"])
def report(request, slug):
    petition = public_petition(slug)
    if request.method != "POST":
        response = _render(request, "moderation/report.html", petition, form=AbuseReportForm())
        return cacheable_for_anonymous(request, response)
    form = AbuseReportForm(request.POST)
    if not form.is_valid():
        return _uncached(
            _render(request, "moderation/report.html", petition, form=form, status=400)
        )
    try:
        file_report(
            petition,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
            address=client_ip(request) or "",
        )
    except ReportLimitReached:
        return _uncached(_render(request, "moderation/report_limited.html", petition, status=429))
    return see_other(reverse("abuse:report_sent", kwargs={"slug": petition.slug}))


@require_GET
def report_sent(request, slug):
    petition = public_petition(slug)
    response = _render(request, "moderation/report_sent.html", petition)
    return cacheable_for_anonymous(request, response)
