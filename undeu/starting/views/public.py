"""Public pages of the starter's app: the list of changes to a published petition."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from undeu.petitions.views import cacheable_for_anonymous, public_petition
from undeu.starting.changes import describe, revisions_with_next_text

PER_PAGE = 20


@require_GET
def changes(request, slug):
    petition = public_petition(slug)
    page = Paginator(revisions_with_next_text(petition), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "petition": petition,
        "version": petition.version_for(get_language()),
        "page": page,
        "changes": [describe(revision, after) for revision, after in page],
    }
    response = render(request, "starting/changes.html", context)
    return cacheable_for_anonymous(request, response)
