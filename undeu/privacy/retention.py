"""Retention: a set time after a petition ends, who signed it is erased and what was signed kept.

A petition ends when it closes, or when it is delivered if that is later (a starter may still
need the names of signers who agreed to be named for the delivery); a petition taken down ends
then. UNDEU_SIGNATURE_RETENTION_DAYS after its end, its signatures are anonymised
(signatures/erasure.py): names, emails and addresses go, states, countries, regions, languages
and dates stay, so every count and the counts by country and region still add up.

UNDEU_RETENTION_NOTICE_DAYS before, the starter and the moderators are emailed, once per date
announced (recorded in PetitionRetention with a conditional UPDATE, so two workers never both
send it). Anonymisation never comes sooner than that many days after the notice: if the worker
was stopped, or the setting shortened, the date announced is later than the computed one.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from undeu.audit.log import record
from undeu.petitions.models import Petition, PetitionState
from undeu.privacy import mail
from undeu.privacy.models import PetitionRetention
from undeu.signatures.erasure import BATCH, ERASED_PREFIX, anonymise
from undeu.signatures.models import Signature

ENDED_STATES = (PetitionState.CLOSED, PetitionState.REMOVED)


def _keep() -> timedelta:
    return timedelta(days=settings.UNDEU_SIGNATURE_RETENTION_DAYS)


def _notice() -> timedelta:
    return timedelta(days=settings.UNDEU_RETENTION_NOTICE_DAYS)


def ended_at(petition: Petition) -> datetime | None:
    """When the petition ended (None while it has not): closed or taken down, or delivered."""
    if petition.state == PetitionState.CLOSED:
        end = petition.closed_at
    elif petition.state == PetitionState.REMOVED:
        end = petition.moderated_at or petition.closed_at
    else:
        return None
    if end is None:
        return None
    return max(end, petition.delivered_at) if petition.delivered_at else end


def due_at(petition: Petition) -> datetime | None:
    end = ended_at(petition)
    return end + _keep() if end else None


def _retention(petition: Petition) -> PetitionRetention | None:
    try:
        return petition.retention
    except PetitionRetention.DoesNotExist:
        return None


def _done(petition: Petition, retention: PetitionRetention | None) -> bool:
    """Anonymised since it last ended (a petition restored and closed again is not done)."""
    if retention is None or retention.anonymised_at is None:
        return False
    end = petition.moderated_at if petition.state == PetitionState.REMOVED else petition.closed_at
    return end is None or retention.anonymised_at >= end


def anonymisation_date(petition: Petition, now: datetime | None = None) -> datetime | None:
    """When its signers' names and emails will be erased, as the starter is told; None if the
    petition has not ended, or was anonymised already (see `anonymised_on`)."""
    due = due_at(petition)
    retention = _retention(petition)
    if due is None or _done(petition, retention):
        return None
    if retention is not None and retention.scheduled_for and retention.scheduled_for >= due:
        return retention.scheduled_for
    return max(due, (now or timezone.now()) + _notice())


def anonymised_on(petition: Petition) -> datetime | None:
    retention = _retention(petition)
    return retention.anonymised_at if _done(petition, retention) else None


def _ended_before(limit: datetime):
    """Petitions that ended by `limit` and are not anonymised since (a coarse filter: the
    delivery date is applied in Python)."""
    closed = Q(state=PetitionState.CLOSED, closed_at__lte=limit) & ~Q(
        retention__anonymised_at__gte=F("closed_at")
    )
    removed = Q(state=PetitionState.REMOVED, moderated_at__lte=limit) & ~Q(
        retention__anonymised_at__gte=F("moderated_at")
    )
    return (
        Petition.objects.filter(closed | removed)
        .select_related("retention", "starter")
        .prefetch_related("versions")
        .order_by("pk")
    )


def notify_upcoming() -> int:
    """Email the starter and the moderators of each petition whose signatures will be
    anonymised within the notice period and who were not told of that date; how many."""
    now = timezone.now()
    horizon = now + _notice()
    notified = 0
    for petition in _ended_before(horizon - _keep()):
        due = due_at(petition)
        retention = _retention(petition)
        if due is None or due > horizon or _done(petition, retention):
            continue
        announced = retention.scheduled_for if retention else None
        if announced is not None and announced >= due:
            continue
        if _claim_notice(petition, announced, max(due, horizon), now):
            notified += 1
    return notified


def _claim_notice(petition: Petition, announced, scheduled: datetime, now: datetime) -> bool:
    PetitionRetention.objects.bulk_create(
        [PetitionRetention(petition=petition)], ignore_conflicts=True
    )
    with transaction.atomic():
        claimed = PetitionRetention.objects.filter(
            petition=petition, scheduled_for=announced
        ).update(scheduled_for=scheduled, notice_sent_at=now, anonymised_at=None)
        if not claimed:
            return False  # another worker told them first
        mail.queue_notices(petition, scheduled)
        record(
            "privacy.retention_notice",
            petition=petition,
            scheduled_for=scheduled.isoformat(),
        )
    return True


def anonymise_due() -> int:
    """Anonymise the signatures of petitions whose announced date has come; how many."""
    now = timezone.now()
    changed = 0
    due_rows = PetitionRetention.objects.filter(
        scheduled_for__lte=now, anonymised_at=None
    ).select_related("petition")
    for retention in due_rows:
        petition = retention.petition
        due = due_at(petition)
        # Restored since, or delivered after the notice: a new notice announces a new date.
        if due is None or due > retention.scheduled_for:
            continue
        erased = anonymise_petition(petition)
        changed += erased
        with transaction.atomic():
            if PetitionRetention.objects.filter(
                pk=retention.pk, anonymised_at=None, scheduled_for=retention.scheduled_for
            ).update(anonymised_at=now):
                record("privacy.anonymised", petition=petition, signatures=erased)
    return changed


def anonymise_petition(petition: Petition) -> int:
    """Anonymise every signature of the petition not anonymised yet, a batch per transaction
    (a run that stops half-way is finished by the next)."""
    remaining = Signature.objects.filter(petition=petition).exclude(
        email_digest__startswith=ERASED_PREFIX
    )
    changed = 0
    while True:
        ids = list(remaining.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return changed
        changed += anonymise(ids)


def run() -> int:
    """The periodic job: notices first, so a petition due today is told before (and then
    anonymised on a later run, after the notice period)."""
    return notify_upcoming() + anonymise_due()
