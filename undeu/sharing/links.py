"""Absolute addresses of a petition's pages and the share links of the networks people use.

Addresses are built from UNDEU_SITE_URL, else from the origin the visitor used (Django has
already checked its host against ALLOWED_HOSTS): never a hard-coded origin, so an instance
reachable through several domains (or an onion address) shares its own address.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from undeu.petitions.models import Petition

# og:locale wants language_TERRITORY.
OG_LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_US"}


def base_url(request) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def absolute(request, path: str) -> str:
    return base_url(request) + path


def petition_path(petition: Petition | str, language: str, name: str = "petitions:detail") -> str:
    """The address of one of a petition's pages in `language` (its language prefix)."""
    slug = petition if isinstance(petition, str) else petition.slug
    with translation.override(language):
        return reverse(name, kwargs={"slug": slug})


def petition_url(request, petition: Petition | str, language: str) -> str:
    return absolute(request, petition_path(petition, language))


def short_url(url: str) -> str:
    """The address as a person types it: without the scheme."""
    parts = urlsplit(url)
    return parts.netloc + parts.path


@dataclass(frozen=True)
class ShareLink:
    name: str
    url: str
    new_tab: bool = True


def network_links(url: str, title: str, email_label: str) -> list[ShareLink]:
    """Plain links to each network's own share page: nothing of theirs is loaded until a
    visitor follows one."""
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        ShareLink("Telegram", f"https://t.me/share/url?url={u}&text={t}"),
        ShareLink("WhatsApp", f"https://wa.me/?text={t}%20{u}"),
        ShareLink("VK", f"https://vk.com/share.php?url={u}&title={t}"),
        ShareLink("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ShareLink("X", f"https://x.com/intent/post?url={u}&text={t}"),
        ShareLink(email_label, f"mailto:?subject={t}&body={u}", new_tab=False),
    ]
