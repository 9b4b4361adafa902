"""Emailing every opted-in signer of a petition, in batches, exactly once each.

A mailing walks the petition's confirmed signatures that want emails in order of id. Each batch
is one transaction: read the next ids, advance the mailing's progress with a conditional UPDATE
(from the value it read), queue one outbox email per signer in their language. If the UPDATE
changes nothing, another worker already did this batch and this one stops; if the process dies,
nothing of the batch was committed. After commit the batch enqueues the next one.

Each task names the progress it continues from, and only the task for the current progress does
anything: a duplicate (two workers, or the resume job re-enqueueing a slow mailing) finds the
progress moved and stops, so there is only ever one chain of batches per mailing.

Each batch queues at most UNDEU_MAILING_BATCH emails in the outbox, marked bulk: the sender
sends every email a person is waiting for (a confirmation link) before them, so a mailing to
every signer never delays a confirmation.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from undeu.datarights.rights import not_suppressed
from undeu.mail.outbox import queue_email
from undeu.petitions.models import Petition
from undeu.signatures.models import Signature, SignatureState
from undeu.updates.models import Mailing, Update

logger = logging.getLogger(__name__)

# A mailing that has not moved for this long lost its task (a crash between commit and enqueue).
STALL = timedelta(minutes=2)


def start_mailing(
    petition: Petition, kind: str, *, base_url: str, update: Update | None = None
) -> Mailing:
    """Create a mailing and enqueue its first batch after commit. Call inside a transaction."""
    last_id = Signature.objects.filter(petition=petition).aggregate(last=Max("id"))["last"]
    mailing = Mailing.objects.create(
        petition=petition,
        kind=kind,
        update=update,
        base_url=base_url,
        until_signature_id=last_id or 0,
    )
    transaction.on_commit(lambda: enqueue_batch(mailing.pk, after_id=0))
    return mailing


def enqueue_batch(mailing_id: int, *, after_id: int) -> None:
    from undeu.updates.tasks import send_mailing_batch

    try:
        send_mailing_batch.enqueue(mailing_id, after_id)
    except Exception:
        # The periodic resume job will pick the mailing up.
        logger.exception("could not enqueue mailing %s; it will be resumed", mailing_id)


def _recipients(mailing: Mailing) -> list[tuple[int, str, str, str]]:
    # Not to a mailbox that stopped all emails (datarights), whatever each signature asked.
    signatures = Signature.objects.filter(
        petition_id=mailing.petition_id,
        state=SignatureState.CONFIRMED,
        wants_updates=True,
        id__gt=mailing.last_signature_id,
        id__lte=mailing.until_signature_id,
    )
    return list(
        not_suppressed(signatures)
        .order_by("id")
        .values_list("id", "email", "language", "email_digest")[: settings.UNDEU_MAILING_BATCH]
    )


def _email_context(mailing: Mailing, signature_id: int) -> dict:
    context = {
        "petition_id": mailing.petition_id,
        "base_url": mailing.base_url,
        "signature_id": signature_id,
    }
    if mailing.update_id:
        context["update_id"] = mailing.update_id
    return context


def send_batch(mailing_id: int, after_id: int) -> bool:
    """Queue the batch after signature `after_id` and enqueue the next one. False when there was
    nothing (more) to do or another task did it."""
    now = timezone.now()
    with transaction.atomic():
        mailing = Mailing.objects.filter(
            pk=mailing_id, finished_at=None, last_signature_id=after_id
        ).first()
        if mailing is None:
            return False
        recipients = _recipients(mailing)
        if not recipients:
            finished = Mailing.objects.filter(pk=mailing.pk, finished_at=None).update(
                finished_at=now, progressed_at=now
            )
            if finished and mailing.update_id:
                Update.objects.filter(pk=mailing.update_id).update(emailed_at=now)
            return False
        last_id = recipients[-1][0]
        claimed = Mailing.objects.filter(
            pk=mailing.pk, finished_at=None, last_signature_id=after_id
        ).update(
            last_signature_id=last_id,
            queued=F("queued") + len(recipients),
            progressed_at=now,
        )
        if not claimed:
            return False  # another worker queued this batch and carries on
        for signature_id, email, language, digest in recipients:
            queue_email(
                mailing.kind,
                to=email,
                language=language,
                context=_email_context(mailing, signature_id),
                bulk=True,
                recipient_digest=digest,
            )
        transaction.on_commit(lambda: enqueue_batch(mailing_id, after_id=last_id))
    return True


def resume_stalled_mailings() -> int:
    """Re-enqueue mailings whose next batch was never enqueued (a periodic job). A mailing that
    was merely slow loses nothing: one of the two tasks finds the progress moved and stops."""
    now = timezone.now()
    stalled = Mailing.objects.filter(finished_at=None, progressed_at__lt=now - STALL)
    resumed = 0
    for mailing_id, after_id, progressed_at in stalled.values_list(
        "pk", "last_signature_id", "progressed_at"
    )[:100]:
        # Taken with a conditional UPDATE, so concurrent workers resume it once per STALL.
        if Mailing.objects.filter(pk=mailing_id, progressed_at=progressed_at).update(
            progressed_at=now
        ):
            enqueue_batch(mailing_id, after_id=after_id)
            resumed += 1
    return resumed
