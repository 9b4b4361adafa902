"""Review, preview and submit."""

import copy

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from undeu.petitions.models import PetitionState
from undeu.petitions.page import petition_context
from undeu.signatures.forms import SignatureForm
from undeu.starting import submitting
from undeu.starting.access import email_is_verified, verify_email_url
from undeu.starting.similar import similar_petitions
from undeu.starting.views.common import see_other, starter_page, step_page


def site_url(request) -> str:
    """The site's configured address, else the one the starter used (checked by ALLOWED_HOSTS)."""
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def _review_page(request, petition, *, status=200, problems=None):
    context = {
        "problems": submitting.problems(petition) if problems is None else problems,
        "similar": similar_petitions(petition),
        "verified": email_is_verified(request.user),
        "verify_url": verify_email_url(),
        "address": site_url(request) + reverse("petitions:detail", args=[petition.slug]),
    }
    return step_page(request, "starting/review.html", petition, "review", context, status=status)


@starter_page
@require_GET
def review(request, petition):
    if petition.state != PetitionState.DRAFT:
        return see_other(reverse("starting:submitted", args=[petition.pk]))
    return _review_page(request, petition)


def as_signers_will_see_it(petition):
    """The petition as it will look once published: open, posted today. A copy, never saved."""
    shown = copy.copy(petition)
    shown.state = PetitionState.OPEN
    shown.published_at = petition.published_at or timezone.now()
    return shown


@starter_page
@require_GET
def preview(request, petition):
    """The real petition page (template and context builder) for the starter's eyes only:
    marked as a preview, the sign form disabled, never stored by any cache."""
    context = petition_context(as_signers_will_see_it(petition), request.GET.get("version"))
    context.update(form=SignatureForm(), preview=True, draft=petition)
    response = render(request, "starting/preview.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@starter_page
@require_POST
def submit(request, petition):
    try:
        submitting.submit(petition, request.user)
    except submitting.AlreadySubmitted:
        petition.refresh_from_db()
        return render(
            request, "starting/already_submitted.html", {"petition": petition}, status=409
        )
    except submitting.EmailNotVerified:
        return render(
            request,
            "starting/verify_email.html",
            {"petition": petition, "verify_url": verify_email_url()},
            status=403,
        )
    except submitting.NotReady as not_ready:
        return _review_page(request, petition, status=400, problems=not_ready.problems)
    return see_other(reverse("starting:submitted", args=[petition.pk]))


@starter_page
@require_GET
def submitted(request, petition):
    return render(request, "starting/submitted.html", {"petition": petition})
