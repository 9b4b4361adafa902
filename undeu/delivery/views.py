"""The starter's pages for a running petition: manage, close early, the delivery package,
delivered and outcome. Every view here is for the petition's starter only (starter_petition)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undeu.delivery.forms import OutcomeForm
from undeu.delivery.outcome import OutcomeRefused, mark_delivered, record_outcome
from undeu.delivery.package_csv import csv_lines
from undeu.delivery.package_pdf import package_pdf
from undeu.delivery.thresholds import standing_thresholds, threshold_context
from undeu.petitions.lifecycle import TransitionRefused, close
from undeu.signatures.counting import current_count
from undeu.signatures.views import base_url
from undeu.updates.access import starter_petition
from undeu.updates.models import Update


def _back_to_manage(petition) -> HttpResponseRedirect:
    response = HttpResponseRedirect(reverse("delivery:manage", kwargs={"slug": petition.slug}))
    response.status_code = 303
    return response


def _package_language(request, petition) -> str:
    """The language asked for (?language=), else the petition's primary language."""
    language = request.GET.get("language", "")
    return language if language in dict(settings.LANGUAGES) else petition.primary_language


def _updates(petition, language: str) -> list[tuple[Update, object]]:
    updates = (
        Update.objects.filter(petition=petition)
        .select_related("petition")
        .prefetch_related("texts", "mailings")
        .order_by("-created_at", "-id")
    )
    return [(update, update.text_for(language, list(update.texts.all()))) for update in updates]


def _render_manage(request, petition, outcome_form=None, *, status=200):
    language = get_language()
    count = current_count(petition.pk)
    standing = standing_thresholds(petition)
    thresholds = threshold_context(petition, count)
    context = {
        "petition": petition,
        "version": petition.version_for(language),
        "count": count,
        "thresholds": [
            (threshold, reached, standing.get(threshold.name))
            for threshold, reached in thresholds["thresholds"]
        ],
        "threshold_state": thresholds["threshold_state"],
        "updates": _updates(petition, language),
        "outcome_form": outcome_form
        or OutcomeForm(initial={"outcome": petition.outcome, "text": petition.outcome_text}),
        "package_languages": settings.LANGUAGES,
    }
    return render(request, "delivery/manage.html", context, status=status)


@require_GET
@starter_petition
def manage(request, petition):
    return _render_manage(request, petition)


@require_http_methods(["GET", "POST"])
@starter_petition
def close_early(request, petition):
    """GET asks to confirm; POST closes the petition now instead of at its deadline."""
    if request.method == "POST":
        try:
            close(petition, actor=request.user, reason="closed early by its starter")
        except TransitionRefused:
            messages.error(request, _("This petition is already closed."))
        else:
            messages.success(request, _("The petition is closed and no longer accepts signatures."))
        return _back_to_manage(petition)
    return render(
        request,
        "delivery/close.html",
        {"petition": petition, "version": petition.version_for(get_language())},
    )


@require_POST
@starter_petition
def delivered(request, petition):
    if mark_delivered(petition, actor=request.user):
        messages.success(request, _("The petition is marked as delivered."))
    else:
        messages.info(request, _("The petition was already marked as delivered."))
    return _back_to_manage(petition)


@require_POST
@starter_petition
def outcome(request, petition):
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _render_manage(request, petition, form, status=400)
    try:
        emailed = record_outcome(
            petition,
            outcome=form.cleaned_data["outcome"],
            text=form.cleaned_data["text"],
            actor=request.user,
            base_url=base_url(request),
        )
    except OutcomeRefused:
        messages.error(request, _("The outcome could not be recorded. Please try again."))
        return _back_to_manage(petition)
    if emailed:
        messages.success(
            request,
            _("The outcome is on the petition page and is being emailed to signers who asked."),
        )
    else:
        messages.success(request, _("The text of the outcome is changed. Nobody is emailed again."))
    return _back_to_manage(petition)


@require_GET
@starter_petition
def package_pdf_download(request, petition):
    language = _package_language(request, petition)
    response = HttpResponse(package_pdf(petition, language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{petition.slug}-{language}.pdf"'
    return response


@require_GET
@starter_petition
def package_csv_download(request, petition):
    language = _package_language(request, petition)
    response = StreamingHttpResponse(
        csv_lines(petition, language), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{petition.slug}-signatures.csv"'
    return response
