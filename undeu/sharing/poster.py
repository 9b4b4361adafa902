"""The A4 poster to print and put up: the title, the demand, a QR code of the petition's
address, the address itself, the count and the goal; one per language.

Made by WeasyPrint with the bundled DejaVu fonts, as the delivery package is (and with the same
guard: it loads nothing but those fonts). The QR code is an inline SVG, so it prints sharp.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from undeu.delivery.package_pdf import FONTS_DIR, _is_bundled_font
from undeu.petitions.goals import next_goal
from undeu.petitions.models import PetitionVersion
from undeu.petitions.page import count_sentence
from undeu.sharing.links import short_url
from undeu.sharing.qr import qr_svg


def poster_html(version: PetitionVersion, url: str, count: int, language: str) -> str:
    return render_to_string(
        "sharing/poster.html",
        {
            "version": version,
            "language": language,
            "short_url": short_url(url),
            # segno writes the SVG from the address alone (no title), escaping it.
            "qr": mark_safe(qr_svg(url, inline=True).decode()),  # noqa: S308 - segno's SVG  # nosec B308 B703
            "count_text": count_sentence(count, next_goal(count)),
            "site_name": settings.SITE_NAME,
        },
    )


def poster_pdf(version: PetitionVersion, url: str, count: int, language: str) -> bytes:
    """The poster in the active language (the caller's translation.override)."""
    # WeasyPrint needs Pango from the system: imported only when a PDF is made.
    import weasyprint

    class BundledFontsOnly(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            if not _is_bundled_font(url):
                raise ValueError("a poster loads nothing but its own fonts")
            return super().fetch(url, headers)

    document = weasyprint.HTML(
        string=poster_html(version, url, count, language),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=BundledFontsOnly(),
    )
    return document.write_pdf()
