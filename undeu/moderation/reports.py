"""Readers' abuse reports: filing one (rate-limited) and a moderator dismissing one.

The rate limit counts in the shared cache (Redis when configured), keyed by a keyed hash of the
client's address, so the address is neither stored in the database nor readable in the cache.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from undeu.audit.log import record
from undeu.moderation.models import AbuseReport
from undeu.petitions.models import Petition

WINDOW_SECONDS = 3600
# Reports one address may file about one petition, and about all petitions, per hour.
PER_PETITION_LIMIT = 5
PER_ADDRESS_LIMIT = 20


class ReportLimitReached(Exception):
    """Too many reports from this address within the hour."""


def _address_key(address: str) -> str:
    key = ("abuse-report-rate:" + settings.SECRET_KEY).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def _hit(key: str, limit: int) -> bool:
    """Count one more hit for `key` in this window; False once the limit is passed."""
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
        hits = 1
    return hits <= limit


def file_report(petition: Petition, *, reason: str, text: str, address: str) -> AbuseReport:
    """Store a reader's report, unless this address has filed too many this hour."""
    client = _address_key(address or "unknown")
    within_limits = _hit(f"abuse:{client}:{petition.pk}", PER_PETITION_LIMIT)
    within_limits = _hit(f"abuse:{client}", PER_ADDRESS_LIMIT) and within_limits
    if not within_limits:
        raise ReportLimitReached()
    return AbuseReport.objects.create(petition=petition, reason=reason, text=text)


def dismiss(report: AbuseReport, moderator, note: str = "") -> bool:
    """Mark an open report as dismissed; False if someone handled it first."""
    with transaction.atomic():
        now = timezone.now()
        changed = AbuseReport.objects.filter(pk=report.pk, status=AbuseReport.Status.OPEN).update(
            status=AbuseReport.Status.DISMISSED, handled_by=moderator, handled_at=now
        )
        if not changed:
            return False
        record(
            "abuse_report.dismiss",
            actor=moderator,
            petition=report.petition,
            reason=report.reason,
            note=note,
            report=report.pk,
        )
    report.refresh_from_db()
    return True
