"""Language versions: written while drafting, changed after publication (with revisions)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from undeu.petitions.models import PetitionState
from undeu.starting.access import VERSION_EDITABLE_STATES
from undeu.starting.forms import VersionTextForm
from undeu.starting.versions import VersionText, is_complete, save_version
from undeu.starting.views.common import (
    GET_POST,
    not_editable,
    see_other,
    starter_page,
    step_page,
    step_url,
)

LANGUAGE_CODES = dict(settings.LANGUAGES)


@starter_page
@require_GET
def versions(request, petition):
    """Every language: its version (complete or not) or a link to write it."""
    existing = petition.versions_by_language
    rows = [
        (code, name, existing.get(code), is_complete(existing[code]) if code in existing else False)
        for code, name in settings.LANGUAGES
    ]
    return step_page(
        request,
        "starting/versions.html",
        petition,
        "versions",
        {"rows": rows, "editable": petition.state in VERSION_EDITABLE_STATES},
    )


@starter_page
@GET_POST
def version(request, petition, language):
    if language not in LANGUAGE_CODES:
        raise Http404
    if petition.state not in VERSION_EDITABLE_STATES:
        return not_editable(request, petition)
    existing = petition.versions_by_language.get(language)
    if request.method == "POST":
        form = VersionTextForm(request.POST)
        if form.is_valid():
            changed = save_version(
                petition, request.user, language, VersionText(**form.cleaned_data)
            )
            messages.success(request, _("Saved.") if changed else _("Nothing was changed."))
            return see_other(step_url("versions", petition))
        status = 400
    else:
        initial = (
            {"title": existing.title, "demand": existing.demand, "body": existing.body}
            if existing
            else {}
        )
        form = VersionTextForm(initial=initial)
        status = 200
    for name in ("title", "demand", "body"):
        # The text is in that language, whatever the interface's: spell-checkers follow `lang`.
        form.fields[name].widget.attrs["lang"] = language
    return step_page(
        request,
        "starting/version.html",
        petition,
        "versions",
        {
            "form": form,
            "language": language,
            "language_name": LANGUAGE_CODES[language],
            "existing": existing,
            "published": petition.state != PetitionState.DRAFT,
        },
        status=status,
    )
