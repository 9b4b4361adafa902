"""The delivery package as a PDF for the targets: every language version, the count, where the
signers are, and the names of those who agreed to be named.

Made by WeasyPrint with the bundled DejaVu fonts (they cover Kazakh letters such as ә ғ қ ң ө ұ
ү һ і), which the PDF embeds; it loads nothing else, from the network or the disk.
"""

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from undeu.delivery.signers import named_signers, summarise
from undeu.petitions.models import Petition

FONTS_DIR = Path(__file__).resolve().parent / "static" / "undeu" / "fonts"


# WeasyPrint lays out one paragraph of many names about ten times faster than as many list
# items, and a table's time grows with its rows: names go in paragraphs of NAMES_PER_PARAGRAPH,
# and places after the first CITY_ROWS are summed up in one line.
NAMES_PER_PARAGRAPH = 100
CITY_ROWS = 200


def package_context(petition: Petition) -> dict:
    versions = sorted(
        petition.versions_by_language.values(),
        key=lambda version: (version.language != petition.primary_language, version.language),
    )
    named = list(named_signers(petition))
    summary = summarise(petition)
    other_places = summary.by_city[CITY_ROWS:]
    return {
        "petition": petition,
        "versions": versions,
        "targets": list(petition.targets.all()),
        "summary": summary,
        "cities": summary.by_city[:CITY_ROWS],
        "other_places": len(other_places),
        "other_places_count": sum(place.count for place in other_places),
        "named_paragraphs": [
            named[start : start + NAMES_PER_PARAGRAPH]
            for start in range(0, len(named), NAMES_PER_PARAGRAPH)
        ],
        "generated_at": timezone.now(),
        "site_name": settings.SITE_NAME,
    }


def _is_bundled_font(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    return Path(url2pathname(parts.path)).resolve().is_relative_to(FONTS_DIR)


def package_pdf(petition: Petition, language: str) -> bytes:
    """The PDF in `language` (headings, country names, dates; each version keeps its own).

    It is made in the request: about 3.5 seconds for 5,000 signers on a 2-core machine, growing
    with the number of signers. Petitions with tens of thousands of signers should get it from a
    background task that stores the file and tells the starter when it is ready.
    """
    # WeasyPrint needs Pango and friends from the system: imported only when a PDF is made, so
    # the rest of the site runs without them.
    import weasyprint

    class BundledFontsOnly(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            if not _is_bundled_font(url):
                raise ValueError("a delivery package loads nothing but its own fonts")
            return super().fetch(url, headers)

    with translation.override(language):
        html = render_to_string(
            "delivery/package.html", {**package_context(petition), "language": language}
        )
    document = weasyprint.HTML(
        string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=BundledFontsOnly()
    )
    return document.write_pdf()
