"""The sharing pages: QR codes, the poster, the share picture, the embeddable count, the
sitemap. Every one is about a public petition (404 otherwise, 410 when it was taken down, as
the petition page) and is the same for every visitor, so shared caches may keep it."""

import hashlib

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from undeu.petitions.page import count_context
from undeu.petitions.views import cacheable_for_anonymous, public_petition
from undeu.sharing import card, poster, qr
from undeu.sharing.links import base_url, petition_url
from undeu.sharing.rendered import cached_bytes
from undeu.sharing.sitemaps import SITEMAPS
from undeu.signatures.counting import current_count

# A QR code's address never changes: browsers and caches may keep it a day.
QR_MAX_AGE = 86400


def _file(data: bytes, content_type: str, max_age: int, filename: str = "") -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    patch_cache_control(
        response,
        public=True,
        max_age=max_age,
        stale_while_revalidate=max_age,
        stale_if_error=86400,
    )
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _stamp(version) -> str:
    """Part of a cache key that changes when the text a file shows changes."""
    text = "\0".join((version.title, version.demand, settings.SITE_NAME))
    return f"{version.pk}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


@require_GET
def qr_png(request, slug):
    petition = public_petition(slug)
    url = petition_url(request, petition, get_language())
    data = cached_bytes(f"qr.png:{url}", QR_MAX_AGE, lambda: qr.qr_png(url))
    return _file(data, "image/png", QR_MAX_AGE, f"{petition.slug}-{get_language()}-qr.png")


@require_GET
def qr_svg(request, slug):
    petition = public_petition(slug)
    url = petition_url(request, petition, get_language())
    title = petition.version_for(get_language()).title
    data = qr.qr_svg(url, title=title)
    return _file(data, "image/svg+xml", QR_MAX_AGE, f"{petition.slug}-{get_language()}-qr.svg")


@require_GET
def share_card(request, slug):
    petition = public_petition(slug)
    language = get_language()
    version = petition.version_for(language)
    seconds = settings.UNDEU_SHARE_IMAGE_SECONDS
    data = cached_bytes(
        f"card:{petition.pk}:{language}:{_stamp(version)}",
        seconds,
        lambda: card.card_png(version.title, current_count(petition.pk)),
    )
    return _file(data, "image/png", seconds)


@require_GET
def poster_pdf(request, slug):
    petition = public_petition(slug)
    language = get_language()
    version = petition.version_for(language)
    url = petition_url(request, petition, language)
    seconds = settings.UNDEU_SHARE_IMAGE_SECONDS
    data = cached_bytes(
        f"poster:{petition.pk}:{language}:{_stamp(version)}:{url}",
        seconds,
        lambda: poster.poster_pdf(version, url, current_count(petition.pk), language),
    )
    return _file(data, "application/pdf", seconds, f"{petition.slug}-{language}-poster.pdf")


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@require_GET
def embed(request, slug):
    """The only page other sites may frame: the count, the goal and a link to sign."""
    petition = public_petition(slug)
    language = get_language()
    context = {
        "petition": petition,
        "version": petition.version_for(language),
        "petition_url": petition_url(request, petition, language),
        **count_context(petition),
    }
    response = render(request, "sharing/embed.html", context)
    return cacheable_for_anonymous(request, response)


@require_GET
def sitemap_index(request):
    """As Django's index view, with the sections' addresses from UNDEU_SITE_URL when set."""
    base = base_url(request)
    sitemaps = []
    for section, sitemap_class in SITEMAPS.items():
        location = base + reverse("sitemap", kwargs={"section": section})
        pages = sitemap_class().paginator.num_pages
        sitemaps.append(sitemap_views.SitemapIndexItem(location))
        sitemaps += [
            sitemap_views.SitemapIndexItem(f"{location}?p={page}") for page in range(2, pages + 1)
        ]
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": sitemaps}, content_type="application/xml"
    )
    return cacheable_for_anonymous(request, response)


@require_GET
def sitemap(request, section):
    response = sitemap_views.sitemap(request, SITEMAPS, section=section)
    return cacheable_for_anonymous(request, response)
