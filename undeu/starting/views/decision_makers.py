"""The decision-makers step: list, add, edit, remove."""

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from undeu.starting import targets
from undeu.starting.forms import TargetForm
from undeu.starting.views.common import (
    GET_POST,
    draft_only,
    see_other,
    starter_page,
    step_page,
    step_url,
)


@starter_page
@GET_POST
@draft_only
def decision_makers(request, petition):
    """The decision-makers, and a form to add one."""
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                targets.add_decision_maker(
                    petition,
                    request.user,
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    in_languages=form.in_languages(),
                )
            except targets.TooManyDecisionMakers:
                limit = targets.MAX_DECISION_MAKERS
                form.add_error(
                    None,
                    ngettext(
                        "A petition can name at most %(count)d decision-maker.",
                        "A petition can name at most %(count)d decision-makers.",
                        limit,
                    )
                    % {"count": limit},
                )
            else:
                messages.success(request, _("Decision-maker added."))
                return see_other(step_url("targets", petition))
        status = 400
    else:
        form = TargetForm()
        status = 200
    return step_page(
        request,
        "starting/targets.html",
        petition,
        "targets",
        {"form": form, "decision_makers": targets.decision_makers(petition)},
        status=status,
    )


def _decision_maker(petition, position: int):
    for decision_maker in targets.decision_makers(petition):
        if decision_maker.position == position:
            return decision_maker
    raise Http404


@starter_page
@GET_POST
@draft_only
def target_edit(request, petition, position):
    decision_maker = _decision_maker(petition, position)
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            targets.change_decision_maker(
                petition,
                request.user,
                position,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                in_languages=form.in_languages(),
            )
            messages.success(request, _("Saved."))
            return see_other(step_url("targets", petition))
        status = 400
    else:
        form = TargetForm(initial=TargetForm.initial_for(decision_maker))
        status = 200
    return step_page(
        request,
        "starting/target_edit.html",
        petition,
        "targets",
        {"form": form, "decision_maker": decision_maker},
        status=status,
    )


@starter_page
@require_POST
@draft_only
def target_delete(request, petition, position):
    _decision_maker(petition, position)
    targets.remove_decision_maker(petition, request.user, position)
    messages.success(request, _("Decision-maker removed."))
    return see_other(step_url("targets", petition))
