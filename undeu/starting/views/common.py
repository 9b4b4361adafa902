"""Helpers shared by the starter's pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from undeu.petitions.models import PetitionState
from undeu.starting.access import NotEditable, own_petition
from undeu.starting.steps import wizard_steps

GET_POST = require_http_methods(["GET", "POST"])


def step_url(name: str, petition) -> str:
    return reverse(f"starting:{name}", args=[petition.pk])


def draft_only(view):
    """Steps that only a draft has; afterwards the petition is reviewed or published."""

    def wrapped(request, petition, *args, **kwargs):
        if petition.state != PetitionState.DRAFT:
            raise NotEditable(petition.pk)
        return view(request, petition, *args, **kwargs)

    return wrapped


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def not_editable(request, petition, *, status: int = 409):
    """The petition cannot be changed this way in its state (submitted in another tab, say)."""
    return render(request, "starting/not_editable.html", {"petition": petition}, status=status)


def starter_page(view):
    """A page of the starter's own petition: signed in, never cached, `petition` looked up
    (404 for anyone else's), and NotEditable answered with a 409 page."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        petition = own_petition(request.user, pk)
        try:
            return view(request, petition, *args, **kwargs)
        except NotEditable:
            petition.refresh_from_db()
            return not_editable(request, petition)

    return wrapped


def step_page(request, template: str, petition, step: str, context: dict, *, status: int = 200):
    context = {
        "petition": petition,
        "steps": wizard_steps(petition, step) if _is_draft(petition) else None,
        "step": step,
        **context,
    }
    return render(request, template, context, status=status)


def _is_draft(petition) -> bool:
    return petition is None or petition.state == PetitionState.DRAFT
