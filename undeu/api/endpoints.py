"""The public JSON API, version 1 (/api/v1/): read-only, anonymous, aggregate-only.

Views stay thin: the queries are in reading.py and trending.py, the shapes in schemas.py.
django-ninja validates every parameter (a bad value is a 422 with what was wrong) and builds the
OpenAPI document from these functions; the HTML reference (reference.py) is made from it.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_noop
from ninja import Field, NinjaAPI, Query, Schema
from ninja.renderers import JSONRenderer

from undeu.api import reading, schemas
from undeu.api.trending import KEEP, TRENDING_HOURS, trending
from undeu.petitions.models import Petition
from undeu.petitions.views import PetitionRemoved, public_petition

MAX_PAGE_SIZE = 100
# Answers every operation may give besides its own: a malformed request, an unknown petition.
COMMON_ANSWERS = {400: schemas.Problem, 404: schemas.Problem, 422: schemas.ValidationProblem}


class Utf8Renderer(JSONRenderer):
    """Kazakh and Russian as they are, not as \\u escapes (half the bytes, and readable)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Undeu public API",
    version="1",
    description=(
        "Read-only data about public petitions (open and closed): their texts in every "
        "language, targets, dates, thresholds, outcome and signature counts. Aggregates only: "
        "never a signer's name, email or anything else about one signer. Codes, not labels: "
        "states, languages, outcomes and thresholds are given as codes. Any origin may read it "
        "(CORS); answers are cacheable for a few seconds."
    ),
    urls_namespace="api-v1",
    renderer=Utf8Renderer(),
    openapi_url=None,  # served by reference.openapi_document, cached
    docs_url=None,  # the HTML reference is ours: no third-party scripts
)


def base_url(request: HttpRequest) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def cacheable(response: HttpResponse, max_age: int) -> None:
    """Public for `max_age` seconds, as the petition pages: the same for everyone, so a shared
    cache (and core/page_cache.py) may keep it, and serve it stale while it fetches a new one or
    when the site is down."""
    patch_cache_control(
        response,
        public=True,
        max_age=max_age,
        stale_while_revalidate=max(1, max_age),
        stale_if_error=86400,
    )


@api.exception_handler(PetitionRemoved)
def removed(request, exception: PetitionRemoved):
    # As the page: 410 with the reason and nothing else of the petition.
    return api.create_response(
        request,
        {"detail": "removed", "reason": exception.petition.moderation_reason},
        status=410,
    )


class ListFilters(Schema):
    state: schemas.State | None = Field(
        None, description=gettext_noop("Only petitions in this state: open or closed.")
    )
    language: schemas.Language | None = Field(
        None, description=gettext_noop("Only petitions with a version in this language.")
    )
    target: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description=gettext_noop("Only petitions addressed to a target whose name contains this."),
    )
    outcome: schemas.OutcomeCode | None = Field(
        None, description=gettext_noop("Only petitions with this outcome.")
    )
    q: str | None = Field(
        None,
        max_length=200,
        description=gettext_noop(
            "Words to search for in titles, demands and texts, in any language; every word "
            "must appear."
        ),
    )
    sort: schemas.Sort = Field(
        "popular", description=gettext_noop("popular (most signatures first) or newest.")
    )
    page: int = Field(1, ge=1, le=100_000, description=gettext_noop("Which page, from 1."))
    page_size: int = Field(
        20,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=gettext_noop("Petitions per page, at most 100."),
    )


@api.get(
    "/petitions",
    operation_id="listPetitions",
    response={200: schemas.PetitionPage, **COMMON_ANSWERS},
    summary=gettext_noop("List public petitions"),
    description=gettext_noop(
        "Open and closed petitions, filtered and searched, a page at a time. Drafts, petitions "
        "awaiting moderation, rejected and removed ones are never listed."
    ),
    tags=["petitions"],
)
def list_petitions(request, response: HttpResponse, filters: Query[ListFilters]):
    petitions = reading.filtered(
        state=filters.state,
        language=filters.language,
        target=filters.target,
        outcome=filters.outcome,
        q=filters.q,
        sort=filters.sort,
    )
    total = petitions.count()
    start = (filters.page - 1) * filters.page_size
    page = petitions[start : start + filters.page_size]
    cacheable(response, settings.UNDEU_PAGE_MAX_AGE)
    return {
        "total": total,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": math.ceil(total / filters.page_size),
        "results": reading.summaries(page, base_url(request)),
    }


class TrendingFilters(Schema):
    limit: int = Field(
        10, ge=1, le=KEEP, description=gettext_noop("How many petitions, at most 50.")
    )


@api.get(
    "/trending",
    operation_id="trendingPetitions",
    response={200: schemas.Trending, **COMMON_ANSWERS},
    summary=gettext_noop("Trending petitions"),
    description=gettext_noop(
        "Open petitions with the most signatures confirmed in the last 24 hours that still "
        "count (invalidated and withdrawn ones are taken away); worked out at most once a "
        "minute."
    ),
    tags=["petitions"],
)
def trending_petitions(request, response: HttpResponse, filters: Query[TrendingFilters]):
    found = trending()
    gains = dict(found["gains"][: filters.limit])
    petitions = reading.summaries(Petition.objects.open().filter(pk__in=gains), base_url(request))
    results = sorted(
        ({"petition": p, "gained": gains[p["id"]]} for p in petitions),
        key=lambda item: (-item["gained"], item["petition"]["id"]),
    )
    cacheable(response, settings.UNDEU_PAGE_MAX_AGE)
    return {"hours": TRENDING_HOURS, "computed_at": found["computed_at"], "results": results}


@api.get(
    "/petitions/{slug}",
    operation_id="getPetition",
    response={200: schemas.PetitionDetail, 410: schemas.Gone, **COMMON_ANSWERS},
    summary=gettext_noop("One petition"),
    description=gettext_noop(
        "Everything public about a petition: every language version, targets, state, dates, "
        "thresholds, count, counts by country and by region, and outcome. A removed petition "
        "answers 410 with the reason only."
    ),
    tags=["petitions"],
)
def petition_detail(request, response: HttpResponse, slug: str):
    petition = public_petition(slug)
    cacheable(response, settings.UNDEU_PAGE_MAX_AGE)
    return reading.detail(petition, base_url(request))


@api.get(
    "/petitions/{slug}/count",
    operation_id="getPetitionCount",
    response={200: schemas.Count, 410: schemas.Gone, **COMMON_ANSWERS},
    summary=gettext_noop("A petition's count"),
    description=gettext_noop(
        "The count alone: tiny, and cacheable by anyone for a second, for counters on other sites."
    ),
    tags=["petitions"],
)
def petition_count(request, response: HttpResponse, slug: str):
    petition = public_petition(slug)
    cacheable(response, settings.UNDEU_COUNT_MAX_AGE)
    return reading.count_only(petition.pk)
