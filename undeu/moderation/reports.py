"""Readers' abuse reports: filing one (rate-limited) and a moderator dismissing one.

The rate limit counts where the signing limits count (Redis when configured, else the database),
keyed by a keyed hash of the client's address, so the address itself is stored nowhere.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from undeu.audit.log import record
from undeu.defence.limits import count_hits, window_key
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


def file_report(petition: Petition, *, reason: str, text: str, address: str) -> AbuseReport:
    """Store a reader's report, unless this address has filed too many this hour."""
    client = _address_key(address or "unknown")
    limits = {
        window_key(f"abuse:{client}:{petition.pk}", WINDOW_SECONDS): PER_PETITION_LIMIT,
        window_key(f"abuse:{client}", WINDOW_SECONDS): PER_ADDRESS_LIMIT,
    }
    hits = count_hits([(key, WINDOW_SECONDS) for key in limits])
    if any(hits[key] > limit for key, limit in limits.items()):
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
