"""sitemap.xml: the home and list pages and every public petition, each in its languages with
hreflang alternates (and an x-default: the address without a language, which sends a visitor
to their browser's language).

An index at /sitemap.xml lists one sitemap per section, each paginated by Django at 50,000
addresses, so a large instance stays within what search engines read.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Prefetch
from django.urls import reverse

from undeu.petitions.models import Petition, PetitionVersion


class LanguageSitemap(Sitemap):
    i18n = True
    alternates = True
    # Django adds x-default only for items in the default language; every item has one here.
    x_default = False

    def get_urls(self, page=1, site=None, protocol=None):
        # The configured address wins over the one the request came to, as for every link.
        if settings.SITE_URL:
            parts = urlsplit(settings.SITE_URL)
            return self._urls(page, parts.scheme, parts.netloc + parts.path.rstrip("/"))
        return super().get_urls(page, site, protocol)

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        prefix = f"{protocol}://{domain}"
        for url in urls:
            _petition, language = url["item"]
            path = self._location(url["item"]).removeprefix(f"/{language}")
            url["alternates"].append({"location": prefix + path, "lang_code": "x-default"})
        return urls


class PagesSitemap(LanguageSitemap):
    changefreq = "daily"

    def items(self):
        return ["petitions:home", "petitions:list"]

    def location(self, name):
        return reverse(name)


class PetitionsSitemap(LanguageSitemap):
    """Public petitions in the languages they are written in."""

    changefreq = "daily"

    def items(self):
        # Only the languages of the versions, not their texts.
        versions = Prefetch("versions", PetitionVersion.objects.only("petition_id", "language"))
        return (
            Petition.objects.public()
            .prefetch_related(versions)
            .only("slug", "published_at", "updated_at", "closed_at")
            .order_by("-published_at", "-id")
        )

    def get_languages_for_item(self, petition):
        return sorted(petition.versions_by_language)

    def location(self, petition):
        return reverse("petitions:detail", kwargs={"slug": petition.slug})

    def lastmod(self, petition):
        return max(
            (
                moment
                for moment in (petition.published_at, petition.updated_at, petition.closed_at)
                if moment
            ),
            default=None,
        )


SITEMAPS = {"pages": PagesSitemap, "petitions": PetitionsSitemap}
