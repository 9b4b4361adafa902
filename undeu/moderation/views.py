"""The moderators' pages: the review queue, a petition's review page and its decisions.

Pages for logged-in staff: Django's CSRF token protects the forms and nothing here is cached.
Opening a review page takes the petition's edit lock; every decision requires holding it.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from undeu.audit.models import AuditEntry
from undeu.moderation import locking, services
from undeu.moderation.access import moderator_required
from undeu.moderation.backlog import waiting_since
from undeu.moderation.forms import NoteForm, ReasonAndNoteForm
from undeu.moderation.models import AbuseReport
from undeu.petitions.models import Petition, PetitionState
from undeu.petitions.page import targets_for
from undeu.signatures.views import base_url

QUEUE_PER_PAGE = 50
S = PetitionState
# Which decisions a petition in each state can take, and so which forms its page shows.
ACTIONS_BY_STATE = {
    S.SUBMITTED: ("approve", "reject"),
    S.OPEN: ("take_down",),
    S.CLOSED: ("take_down",),
    S.REJECTED: ("restore",),
    S.REMOVED: ("restore",),
}


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@require_GET
@moderator_required
def queue(request):
    now = timezone.now()
    overdue_before = now - timedelta(days=settings.UNDEU_REVIEW_OVERDUE_DAYS)
    petitions = (
        Petition.objects.filter(state=PetitionState.SUBMITTED)
        .annotate(waiting_since=waiting_since())
        .select_related("locked_by")
        .prefetch_related("versions")
        .order_by("waiting_since", "pk")
    )
    page = Paginator(petitions, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "petition": petition,
            "waited_days": (now - petition.waiting_since).days,
            "overdue": petition.waiting_since < overdue_before,
            "lock": locking.lock_state(petition, now),
        }
        for petition in page
    ]
    return render(
        request,
        "moderation/queue.html",
        {"page": page, "rows": rows, "overdue_days": settings.UNDEU_REVIEW_OVERDUE_DAYS},
    )


def _petition_for_review(slug: str) -> Petition:
    return get_object_or_404(
        Petition.objects.select_related("starter", "locked_by").prefetch_related(
            "versions", "targets"
        ),
        slug=slug,
    )


def _review_page(request, petition, *, forms=None, error=None, status=200):
    forms = forms or {}
    actions = ACTIONS_BY_STATE.get(petition.state, ())
    lock = locking.lock_state(petition)
    versions = [
        (version, targets_for(petition, version.language))
        for _code, version in sorted(petition.versions_by_language.items())
    ]
    context = {
        "petition": petition,
        "versions": versions,
        "lock": lock,
        "can_act": bool(actions) and lock.is_held_by(request.user),
        "actions": actions,
        "own_petition": petition.starter_id == request.user.pk,
        "reject_form": forms.get("reject") or ReasonAndNoteForm(prefix="reject"),
        "take_down_form": forms.get("take_down") or ReasonAndNoteForm(prefix="take_down"),
        "restore_form": forms.get("restore") or NoteForm(prefix="restore"),
        "open_reports": AbuseReport.objects.filter(
            petition=petition, status=AbuseReport.Status.OPEN
        ).order_by("created_at"),
        "history": AuditEntry.objects.filter(petition=petition).select_related("actor")[:20],
        "error": error,
    }
    return render(request, "moderation/review.html", context, status=status)


@require_GET
@moderator_required
def review(request, slug):
    """Show a petition for review, taking its edit lock if nobody else holds it.

    A GET that changes the lock is deliberate: this is a staff page reached from the queue,
    never a link in an email, so no link scanner opens it.
    """
    petition = _petition_for_review(slug)
    if petition.state in ACTIONS_BY_STATE:
        locking.claim(petition, request.user)
    return _review_page(request, petition)


@require_POST
@moderator_required
def release(request, slug):
    petition = _petition_for_review(slug)
    locking.release(petition, request.user)
    messages.info(request, _("You left the petition; another moderator can review it now."))
    return see_other(reverse("moderation:queue"))


def _decide(request, slug, action: str, form_class, decide, done_message: str):
    """Validate the action's form, make the decision, and answer as the outcome requires."""
    petition = _petition_for_review(slug)
    # Approving needs no fields, so no form.
    form = form_class(request.POST, prefix=action) if form_class else None
    if form is not None and not form.is_valid():
        error = _("Please correct the fields marked below.")
        return _review_page(request, petition, forms={action: form}, error=error, status=400)
    try:
        decide(petition, form.cleaned_data if form is not None else {})
    except services.OwnPetition as refused:
        return _review_page(request, petition, error=str(refused), status=403)
    except services.ModerationRefused as refused:
        petition = _petition_for_review(slug)
        return _review_page(request, petition, error=str(refused), status=409)
    title = petition.version_for(request.LANGUAGE_CODE).title
    messages.success(request, done_message % {"title": title})
    return see_other(reverse("moderation:queue"))


@require_POST
@moderator_required
def approve(request, slug):
    return _decide(
        request,
        slug,
        "approve",
        None,
        lambda petition, _data: services.approve(
            petition, request.user, base_url=base_url(request)
        ),
        _("Approved and published: “%(title)s”."),
    )


@require_POST
@moderator_required
def reject(request, slug):
    return _decide(
        request,
        slug,
        "reject",
        ReasonAndNoteForm,
        lambda petition, data: services.reject(
            petition, request.user, data["reason"], data["note"], base_url=base_url(request)
        ),
        _("Rejected: “%(title)s”. The starter has been told why."),
    )


@require_POST
@moderator_required
def restore(request, slug):
    return _decide(
        request,
        slug,
        "restore",
        NoteForm,
        lambda petition, data: services.restore(
            petition, request.user, data["note"], base_url=base_url(request)
        ),
        _("Put back in the review queue: “%(title)s”."),
    )


@require_POST
@moderator_required
def take_down(request, slug):
    return _decide(
        request,
        slug,
        "take_down",
        ReasonAndNoteForm,
        lambda petition, data: services.take_down(
            petition, request.user, data["reason"], data["note"], base_url=base_url(request)
        ),
        _("Taken down: “%(title)s”. Its page now says why."),
    )
