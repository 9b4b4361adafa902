from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from undeu.core.page_cache import anonymous_cookies_only
from undeu.petitions.models import PUBLIC_STATES, Petition, PetitionState, PetitionVersion
from undeu.petitions.page import count_context, petition_context, targets_for
from undeu.petitions.text import search_terms
from undeu.signatures.forms import SignatureForm

PER_PAGE = 20
SORTS = {"popular": ("-signature_count", "-published_at"), "newest": ("-published_at",)}


class PetitionRemoved(Exception):
    """Raised for a petition that was taken down; answered 410 with the reason."""

    def __init__(self, petition: Petition):
        super().__init__(petition.slug)
        self.petition = petition


def public_petition(slug: str) -> Petition:
    # No prefetching: a page reads the versions and targets once each anyway, and a successful
    # signature (the hot path) never reads them at all.
    petition = get_object_or_404(
        Petition.objects.filter(state__in=[*PUBLIC_STATES, PetitionState.REMOVED]), slug=slug
    )
    if petition.state == PetitionState.REMOVED:
        raise PetitionRemoved(petition)
    return petition


class RemovedPetitionMiddleware:
    """Answer 410 Gone, with the reason, for every page of a petition that was taken down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PetitionRemoved):
            return None
        petition = exception.petition
        return render(
            request,
            "petitions/removed.html",
            {"petition": petition, "version": petition.version_for(get_language())},
            status=410,
        )


def cacheable_for_anonymous(request, response):
    """Anonymous visitors see the same page as everyone with the same cookie choices (consent
    and language; Vary: Cookie), so shared caches may keep it. Any other cookie (a session, a
    CSRF token) makes it private."""
    if not anonymous_cookies_only(request.COOKIES):
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(
            response,
            public=True,
            max_age=settings.UNDEU_PAGE_MAX_AGE,
            stale_while_revalidate=settings.UNDEU_PAGE_MAX_AGE,
            stale_if_error=86400,
        )
    patch_vary_headers(response, ["Cookie"])
    return response


def render_petition(request, petition, form, *, status=200):
    context = petition_context(petition, request.GET.get("version"))
    context["form"] = form
    return render(request, "petitions/detail.html", context, status=status)


@require_GET
def detail(request, slug):
    petition = public_petition(slug)
    response = render_petition(request, petition, SignatureForm())
    return cacheable_for_anonymous(request, response)


@require_GET
def all_versions(request, slug):
    petition = public_petition(slug)
    context = petition_context(petition)
    context["all_versions"] = [
        (version, targets_for(petition, version.language))
        for _, version in sorted(petition.versions_by_language.items())
    ]
    response = render(request, "petitions/all_versions.html", context)
    return cacheable_for_anonymous(request, response)


@require_GET
def count_json(request, slug):
    """The count for scripts and other sites: tiny and cacheable. ?lang= picks the sentence's
    language."""
    petition = get_object_or_404(Petition.objects.public().only("id"), slug=slug)
    language = request.GET.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        response = JsonResponse(count_context(petition))
    patch_cache_control(
        response, public=True, max_age=settings.UNDEU_COUNT_MAX_AGE, stale_if_error=86400
    )
    return response


def matching_petitions(petitions, query: str):
    """The petitions whose title, demand or text (in any language) hold every word of `query`;
    none for a query with no words. Shared by the list page and the public API."""
    terms = search_terms(query)
    if not terms:
        return petitions.none()
    matching = PetitionVersion.objects.all()
    for term in terms:
        matching = matching.filter(search_text__contains=term)
    return petitions.filter(pk__in=matching.values("petition_id"))


@require_GET
def petition_list(request):
    sort = request.GET.get("sort", "popular")
    if sort not in SORTS:
        sort = "popular"
    query = request.GET.get("q", "")[:200]
    petitions = Petition.objects.public().prefetch_related("versions")
    if query.strip():
        petitions = matching_petitions(petitions, query)
    else:
        petitions = petitions.filter(state="open")
    page = Paginator(petitions.order_by(*SORTS[sort]), PER_PAGE).get_page(request.GET.get("page"))
    response = render(
        request,
        "petitions/list.html",
        {"page": page, "sort": sort, "query": query, "searched": bool(query.strip())},
    )
    return cacheable_for_anonymous(request, response)


@require_GET
def home(request):
    popular = Petition.objects.open().prefetch_related("versions").order_by(*SORTS["popular"])[:6]
    response = render(request, "petitions/home.html", {"petitions": popular})
    return cacheable_for_anonymous(request, response)
