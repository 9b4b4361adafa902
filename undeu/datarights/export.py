"""A mailbox's signatures as JSON: everything stored about each, in the signer's own words."""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from undeu.core.l10n import country_name
from undeu.datarights.rights import emails_stopped, signatures_of
from undeu.signatures.models import Signature, SignatureState


def shown_state(signature: Signature) -> str:
    """The state as its signer sees it: a flagged signature is shown as what its signer did
    (confirmed or not), as on every other page a signer sees."""
    if signature.state == SignatureState.FLAGGED:
        return SignatureState.CONFIRMED if signature.confirmed_at else SignatureState.PENDING
    return signature.state


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def signature_data(signature: Signature, language: str, base_url: str) -> dict:
    petition = signature.petition
    return {
        "id": signature.pk,
        "petition": {
            "title": petition.version_for(language).title,
            "address": base_url + reverse("petitions:detail", kwargs={"slug": petition.slug}),
            "state": petition.state,
        },
        "full_name": signature.full_name,
        "email": signature.email,
        "country": str(signature.country),
        "country_name": country_name(signature.country),
        "city_or_region": signature.city,
        "language": signature.language,
        "wants_emails_about_the_petition": signature.wants_updates,
        "name_may_be_shown": signature.show_name,
        "state": shown_state(signature),
        "signed_at": _when(signature.created_at),
        "confirmed_at": _when(signature.confirmed_at),
        "ip_address": signature.ip_address,
    }


def export(digest: str, *, language: str, base_url: str) -> bytes:
    """The JSON file, in `language` where words are ours (titles, country names)."""
    signatures = (
        signatures_of(digest)
        .select_related("petition")
        .prefetch_related("petition__versions")
        .order_by("created_at", "pk")
    )
    data = {
        "site": settings.SITE_NAME,
        "exported_at": _when(timezone.now()),
        "all_emails_stopped": emails_stopped(digest),
        "signatures": [signature_data(s, language, base_url) for s in signatures],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode()
