from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undeu.sharing.links import OG_LOCALES, absolute, network_links, petition_path

register = template.Library()

EMBED_HEIGHT = 230


def _paths(petition, language: str) -> dict[str, str]:
    names = {"embed": "sharing:embed", "qr_svg": "sharing:qr_svg", "qr_png": "sharing:qr_png",
             "poster": "sharing:poster", "card": "sharing:card", "page": "petitions:detail",
             "updates_feed": "sharing:updates_feed"}  # fmt: skip
    return {key: petition_path(petition, language, name) for key, name in names.items()}


@register.inclusion_tag("sharing/_share.html", takes_context=True)
def share_section(context, petition, version, *, show_qr=False, level=2):
    """Ways to share a petition, in the page's language: its address to copy, the networks'
    share links, the QR code, the poster and the code to embed the count on another site."""
    request = context["request"]
    paths = _paths(petition, get_language())
    url = absolute(request, paths["page"])
    embed_code = format_html(
        '<iframe src="{}" title="{}" width="100%" height="{}" loading="lazy"></iframe>',
        absolute(request, paths["embed"]),
        version.title,
        EMBED_HEIGHT,
    )
    return {
        "petition": petition,
        "version": version,
        "share_url": url,
        "links": network_links(url, version.title, _("Email")),
        "paths": paths,
        "embed_code": str(embed_code),
        "show_qr": show_qr,
        "level": level,
    }


@register.inclusion_tag("sharing/_meta_tags.html", takes_context=True)
def share_meta(context, petition, version, other_versions=()):
    """Open Graph and Twitter card tags for the page of `petition` in the page's language."""
    request = context["request"]
    paths = _paths(petition, get_language())
    return {
        "site_name": context.get("site_name", ""),
        "version": version,
        "url": absolute(request, paths["page"]),
        "image": absolute(request, paths["card"]),
        "locale": OG_LOCALES.get(version.language, version.language),
        "alternate_locales": [
            OG_LOCALES.get(other.language, other.language) for other in other_versions
        ],
        "updates_feed": paths["updates_feed"],
    }
