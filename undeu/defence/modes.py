"""The "under attack" switch: for the whole site (the operator's UNDEU_UNDER_ATTACK, or a
moderator's choice) and per petition. The strictest of them applies.

The signing path reads the site-wide choice on every signature, so each process keeps it for
UNDEU_DEFENCE_REFRESH_SECONDS: a moderator's switch takes effect everywhere within that time,
without a query per signature.
"""

import threading
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undeu.audit.log import record
from undeu.petitions import open_lookup
from undeu.petitions.models import DefenceMode, Petition

ORDER = [DefenceMode.OFF, DefenceMode.TIGHT, DefenceMode.PAUSED]

_lock = threading.Lock()
_site = {"mode": DefenceMode.OFF.value, "read_at": float("-inf")}


def strictest(*modes: str) -> str:
    return max(modes, key=lambda mode: ORDER.index(mode) if mode in ORDER else 0)


def stored_site_mode() -> str:
    from undeu.defence.models import SiteDefence

    row = SiteDefence.objects.filter(pk=1).values_list("mode", flat=True).first()
    return row or DefenceMode.OFF


def site_mode() -> str:
    """The site-wide mode, at most UNDEU_DEFENCE_REFRESH_SECONDS old."""
    now = time.monotonic()
    if now - _site["read_at"] >= settings.UNDEU_DEFENCE_REFRESH_SECONDS:
        mode = stored_site_mode()
        with _lock:
            _site.update(mode=mode, read_at=now)
    return strictest(settings.UNDEU_UNDER_ATTACK, _site["mode"])


def forget_site_mode() -> None:
    """Read the site-wide mode again at the next signature (after changing it here)."""
    _site["read_at"] = float("-inf")


def effective_mode(petition_mode: str) -> str:
    return strictest(site_mode(), petition_mode)


def set_site_mode(mode: str, *, actor=None, reason: str = "") -> None:
    from undeu.defence.models import SiteDefence

    with transaction.atomic():
        SiteDefence.objects.update_or_create(
            pk=1, defaults={"mode": mode, "changed_at": timezone.now(), "changed_by": actor}
        )
        record("defence.site", actor=actor, reason=reason, mode=mode)
    transaction.on_commit(forget_site_mode)


def set_petition_mode(petition: Petition, mode: str, *, actor=None, reason: str = "") -> bool:
    """True when the mode changed."""
    with transaction.atomic():
        changed = Petition.objects.filter(pk=petition.pk).exclude(defence=mode).update(defence=mode)
        if changed:
            record("defence.petition", actor=actor, petition=petition, reason=reason, mode=mode)
            open_lookup.forget(petition.slug)
    petition.defence = mode
    return bool(changed)


SIGNING_PAUSED = _(
    "Signing is paused for a while to protect this petition from an attack. The petition stays"
    " here: please come back and sign later."
)
