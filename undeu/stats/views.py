from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from undeu.petitions.views import cacheable_for_anonymous, public_petition
from undeu.signatures.counting import current_count
from undeu.stats import pages


@require_GET
def petition_stats(request, slug):
    """When and where a petition's signers signed: the same for every visitor, so cacheable."""
    petition = public_petition(slug)
    context = {
        "petition": petition,
        "version": petition.version_for(get_language()),
        "count": current_count(petition.pk),
        **pages.petition_charts(petition),
    }
    response = render(request, "stats/petition.html", context)
    return cacheable_for_anonymous(request, response)


@require_GET
def site_stats(request):
    """The whole instance's statistics, from totals cached for UNDEU_STATS_CACHE_SECONDS."""
    response = render(request, "stats/site.html", pages.site_charts())
    return cacheable_for_anonymous(request, response)
