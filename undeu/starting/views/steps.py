"""The steps of writing a petition: what, why, video and deadline. Each POST saves to the draft
and moves on (303), so the back button and a reload never send a form twice; invalid input is
answered 400 with the form and its messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from undeu.petitions.models import PetitionState
from undeu.starting import drafts
from undeu.starting.deadlines import deadline_day, default_deadline_day
from undeu.starting.forms import DetailsForm, WhatForm, WhyForm
from undeu.starting.views.common import (
    GET_POST,
    draft_only,
    see_other,
    starter_page,
    step_page,
    step_url,
)


@login_required
@never_cache
@GET_POST
def start(request):
    """Step 1 for a new petition; the list of unfinished drafts to resume."""
    drafts_left = (
        request.user.petitions.filter(state=PetitionState.DRAFT)
        .prefetch_related("versions", "targets")
        .order_by("-created_at")[:20]
    )
    if request.method == "POST":
        form = WhatForm(request.POST)
        if form.is_valid():
            petition = drafts.create_draft(request.user, **form.cleaned_data)
            messages.success(
                request, _("Your draft is saved. You can come back to it at any time.")
            )
            return see_other(step_url("why", petition))
        status = 400
    else:
        form = WhatForm(
            initial={"language": get_language(), "starter_name": request.user.get_full_name()}
        )
        status = 200
    return step_page(
        request,
        "starting/what.html",
        None,
        "what",
        {"form": form, "drafts": drafts_left},
        status=status,
    )


@starter_page
@GET_POST
@draft_only
def what(request, petition):
    version = drafts.primary_version(petition)
    if request.method == "POST":
        form = WhatForm(request.POST, petition=petition)
        if form.is_valid():
            drafts.save_what(petition, request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return see_other(step_url("why", petition))
        status = 400
    else:
        form = WhatForm(
            petition=petition,
            initial={
                "title": version.title if version else "",
                "demand": version.demand if version else "",
                "language": petition.primary_language,
                "starter_name": petition.starter_name,
            },
        )
        status = 200
    return step_page(request, "starting/what.html", petition, "what", {"form": form}, status=status)


@starter_page
@GET_POST
@draft_only
def why(request, petition):
    version = drafts.primary_version(petition)
    if request.method == "POST":
        form = WhyForm(request.POST)
        if form.is_valid():
            drafts.save_why(petition, request.user, body=form.cleaned_data["body"])
            messages.success(request, _("Saved."))
            return see_other(step_url("targets", petition))
        status = 400
    else:
        form = WhyForm(initial={"body": version.body if version else ""})
        status = 200
    return step_page(
        request,
        "starting/why.html",
        petition,
        "why",
        {"form": form, "version": version},
        status=status,
    )


@starter_page
@GET_POST
@draft_only
def details(request, petition):
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            drafts.save_details(
                petition,
                request.user,
                video_url=form.cleaned_data["video_url"],
                deadline_day=form.cleaned_data["deadline"],
            )
            messages.success(request, _("Saved."))
            return see_other(step_url("review", petition))
        status = 400
    else:
        form = DetailsForm(
            initial={"video_url": petition.video_url, "deadline": deadline_day(petition.deadline)}
        )
        status = 200
    return step_page(
        request,
        "starting/details.html",
        petition,
        "details",
        {"form": form, "default_deadline": default_deadline_day()},
        status=status,
    )
