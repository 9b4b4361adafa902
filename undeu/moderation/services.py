"""The moderator's decisions on a petition: approve, reject, restore, take down.

Each is one transaction: check that the moderator holds the petition's edit lock, change the
state through `lifecycle.transition` (a conditional UPDATE that writes the audit entry),
release the lock and queue an email to the starter in the petition's primary language. Two
moderators, or one moderator's two clicks, can never both succeed: the lock check locks the row
and the transition only runs from the states it allows.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undeu.audit.log import record
from undeu.mail.outbox import queue_email
from undeu.moderation.locking import renew_held
from undeu.moderation.models import AbuseReport, RejectionReason
from undeu.petitions.lifecycle import TransitionRefused, transition
from undeu.petitions.models import Petition

__all__ = [
    "LockNotHeld",
    "ModerationRefused",
    "OwnPetition",
    "StateChanged",
    "approve",
    "reject",
    "restore",
    "take_down",
]


class ModerationRefused(Exception):
    """A decision that cannot be made; `message` says why, in the reader's language."""

    message = _("This action is not possible.")

    def __str__(self):
        return str(self.message)


class LockNotHeld(ModerationRefused):
    message = _(
        "You are not reviewing this petition (any more): another moderator may have taken it, "
        "or your review lock expired. Open the review page again."
    )


class OwnPetition(ModerationRefused):
    message = _("You started this petition, so another moderator has to approve it.")


class StateChanged(ModerationRefused):
    message = _(
        "The petition is no longer in a state this action applies to. "
        "Someone may have decided on it a moment ago."
    )


_UNLOCK = {"locked_by": None, "locked_until": None}


def approve(petition: Petition, moderator, *, base_url: str = "") -> Petition:
    if petition.starter_id is not None and petition.starter_id == moderator.pk:
        raise OwnPetition()
    now = timezone.now()
    with transaction.atomic():
        _require_lock(petition, moderator)
        _transition(
            petition,
            "approve",
            moderator,
            published_at=Coalesce(F("published_at"), Value(now, output_field=DateTimeField())),
            moderated_at=now,
            moderation_reason="",
            moderation_note="",
        )
        _notify_starter(petition, "petition_approved", base_url=base_url)
    return petition


def reject(
    petition: Petition, moderator, reason: RejectionReason, note: str = "", *, base_url: str = ""
) -> Petition:
    with transaction.atomic():
        _require_lock(petition, moderator)
        _transition(
            petition,
            "reject",
            moderator,
            reason=reason.code,
            note=note,
            moderated_at=timezone.now(),
            moderation_reason=reason.code,
            moderation_note=note,
        )
        _notify_starter(
            petition, "petition_rejected", base_url=base_url, reason=reason.code, note=note
        )
    return petition


def restore(petition: Petition, moderator, note: str = "", *, base_url: str = "") -> Petition:
    """Put a rejected or removed petition back in the review queue, at its end."""
    now = timezone.now()
    with transaction.atomic():
        _require_lock(petition, moderator)
        _transition(
            petition,
            "restore",
            moderator,
            note=note,
            submitted_at=now,
            moderated_at=now,
            moderation_reason="",
            moderation_note="",
        )
        _notify_starter(petition, "petition_restored", base_url=base_url, note=note)
    return petition


def take_down(
    petition: Petition, moderator, reason: RejectionReason, note: str = "", *, base_url: str = ""
) -> Petition:
    """Remove a published petition: its pages answer 410 with the reason from then on. Open
    abuse reports about it count as acted on."""
    now = timezone.now()
    with transaction.atomic():
        _require_lock(petition, moderator)
        _transition(
            petition,
            "take_down",
            moderator,
            reason=reason.code,
            note=note,
            moderated_at=now,
            moderation_reason=reason.code,
            moderation_note=note,
        )
        reports = AbuseReport.objects.filter(petition=petition, status=AbuseReport.Status.OPEN)
        report_ids = list(reports.values_list("pk", flat=True))
        if report_ids:
            reports.filter(pk__in=report_ids).update(
                status=AbuseReport.Status.ACTED, handled_by=moderator, handled_at=now
            )
            record(
                "abuse_report.acted",
                actor=moderator,
                petition=petition,
                reason=reason.code,
                note=note,
                reports=report_ids,
            )
        _notify_starter(
            petition, "petition_removed", base_url=base_url, reason=reason.code, note=note
        )
    return petition


def _require_lock(petition: Petition, moderator) -> None:
    if not renew_held(petition, moderator):
        raise LockNotHeld()


def _transition(petition: Petition, action: str, moderator, **fields) -> None:
    try:
        transition(petition, action, actor=moderator, **fields, **_UNLOCK)
    except TransitionRefused:
        raise StateChanged() from None


def _notify_starter(petition: Petition, kind: str, *, base_url: str, **context) -> None:
    starter = petition.starter
    if starter is None or not starter.email:
        return
    queue_email(
        kind,
        to=starter.email,
        language=petition.primary_language,
        context={
            "petition_id": petition.pk,
            "base_url": base_url or settings.SITE_URL,
            **context,
        },
    )
