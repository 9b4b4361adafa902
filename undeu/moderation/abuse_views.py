"""The moderators' queue of readers' abuse reports: open ones first, each to dismiss or to act
on by taking the petition down."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from undeu.moderation import locking, reports, services
from undeu.moderation.access import moderator_required
from undeu.moderation.forms import NoteForm, ReasonAndNoteForm
from undeu.moderation.models import AbuseReport
from undeu.moderation.views import see_other
from undeu.petitions.models import PUBLIC_STATES
from undeu.signatures.views import base_url

PER_PAGE = 50


def _take_down_prefix(report: AbuseReport) -> str:
    # One form per report on the page: the prefix keeps their field ids unique.
    return f"report-{report.pk}"


@require_GET
@moderator_required
def report_queue(request):
    return _render_queue(request)


def _render_queue(request, *, error: str = "", bound_forms=None, status: int = 200):
    bound_forms = bound_forms or {}
    open_first = Case(
        When(status=AbuseReport.Status.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    listed = (
        AbuseReport.objects.annotate(open_first=open_first)
        .select_related("petition", "handled_by")
        .prefetch_related("petition__versions")
        .order_by("open_first", "-created_at", "-pk")
    )
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    for report in page:
        if report.status == AbuseReport.Status.OPEN and report.petition.state in PUBLIC_STATES:
            report.take_down_form = bound_forms.get(report.pk) or ReasonAndNoteForm(
                prefix=_take_down_prefix(report)
            )
    return render(
        request,
        "moderation/reports.html",
        {
            "page": page,
            "open_count": AbuseReport.objects.filter(status=AbuseReport.Status.OPEN).count(),
            "error": error,
        },
        status=status,
    )


@require_POST
@moderator_required
def dismiss_report(request, report_id):
    report = get_object_or_404(AbuseReport.objects.select_related("petition"), pk=report_id)
    form = NoteForm(request.POST, prefix="dismiss")
    if not form.is_valid():
        errors = " ".join(form.errors.get("note", []))
        error = _("The report was not dismissed: %(error)s") % {"error": errors}
        return _render_queue(request, error=error, status=400)
    note = form.cleaned_data["note"]
    if reports.dismiss(report, request.user, note):
        messages.success(request, _("The report was dismissed."))
    else:
        messages.info(request, _("Another moderator handled this report already."))
    return see_other(reverse("moderation:reports"))


@require_POST
@moderator_required
def take_down_reported(request, report_id):
    """Take the reported petition down from the queue. This takes the petition's edit lock
    first, so it is refused while another moderator is reviewing the petition."""
    report = get_object_or_404(AbuseReport.objects.select_related("petition"), pk=report_id)
    petition = report.petition
    form = ReasonAndNoteForm(request.POST, prefix=_take_down_prefix(report))
    if not form.is_valid():
        return _render_queue(request, bound_forms={report.pk: form}, status=400)
    if not locking.claim(petition, request.user):
        lock = locking.lock_state(petition)
        error = _("Being reviewed by %(name)s until %(until)s") % {
            "name": lock.holder.get_username() if lock.holder else "?",
            "until": timezone.localtime(lock.until).strftime("%H:%M") if lock.until else "",
        }
        return _render_queue(request, error=error, status=409)
    try:
        services.take_down(
            petition,
            request.user,
            form.cleaned_data["reason"],
            form.cleaned_data["note"],
            base_url=base_url(request),
        )
    except services.ModerationRefused as refused:
        locking.release(petition, request.user)
        return _render_queue(request, error=str(refused), status=409)
    title = petition.version_for(request.LANGUAGE_CODE).title
    done = _("Taken down: “%(title)s”. Its page now says why.") % {"title": title}
    messages.success(request, done)
    return see_other(reverse("moderation:reports"))
