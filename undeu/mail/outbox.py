"""The outbox: emails are stored with the change that caused them and sent by the worker.

A message is queued inside the caller's transaction and its delivery task is enqueued only after
commit, so a rolled-back signature never sends mail. Delivery claims the row with a conditional
UPDATE, so two workers (or a task and the sweep) never send the same message; a failure sets
the next attempt with exponential backoff. The sweep in the worker picks up due retries and
messages whose task was lost (a process killed between commit and enqueue).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from undeu.mail.models import OutgoingEmail

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    """How long a claimed message is someone's; after that a crashed sender's claim lapses."""
    return timedelta(seconds=settings.UNDEU_MAIL_LEASE_SECONDS)


def _task_grace() -> timedelta:
    """How long a fresh message is left to its own task before the sweep takes it."""
    return timedelta(seconds=settings.UNDEU_MAIL_TASK_GRACE_SECONDS)


def queue_email(kind: str, *, to: str, language: str, context: dict) -> OutgoingEmail:
    from undeu.mail.tasks import deliver_email

    message = OutgoingEmail.objects.create(kind=kind, to=to, language=language, context=context)
    transaction.on_commit(lambda: _enqueue(deliver_email, message.pk))
    return message


def _enqueue(task, message_id: int) -> None:
    try:
        task.enqueue(message_id)
    except Exception:
        # The sweep will send it; the signer's request must not fail because the queue did.
        logger.exception("could not enqueue outgoing email %s; the sweep will send it", message_id)


def backoff(attempts: int) -> timedelta:
    first = settings.UNDEU_MAIL_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** max(0, attempts - 1), 6 * 3600))


def claim(message_id: int) -> OutgoingEmail | None:
    now = timezone.now()
    claimed = (
        OutgoingEmail.objects.filter(pk=message_id, state=OutgoingEmail.State.PENDING)
        .filter(next_attempt_at__lte=now)
        .update(
            state=OutgoingEmail.State.SENDING,
            lease_until=now + _lease(),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return OutgoingEmail.objects.get(pk=message_id)


def deliver(message_id: int) -> bool:
    """Send one message if it is due and nobody else is sending it. True when sent now."""
    from undeu.mail.compose import compose

    message = claim(message_id)
    if message is None:
        return False
    try:
        compose(message).send()
    except Exception as exc:
        failed = message.attempts >= settings.UNDEU_MAIL_MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=message.pk).update(
            state=OutgoingEmail.State.FAILED if failed else OutgoingEmail.State.PENDING,
            next_attempt_at=timezone.now() + backoff(message.attempts),
            lease_until=None,
            last_error=type(exc).__name__[:200],
        )
        logger.warning(
            "outgoing email %s (%s) failed on attempt %s: %s",
            message.pk,
            message.kind,
            message.attempts,
            type(exc).__name__,
        )
        return False
    OutgoingEmail.objects.filter(pk=message.pk).update(
        state=OutgoingEmail.State.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        context={},
        last_error="",
    )
    return True


def sweep(limit: int = 200) -> int:
    """Send due retries and messages whose task never ran; release expired leases."""
    now = timezone.now()
    OutgoingEmail.objects.filter(state=OutgoingEmail.State.SENDING, lease_until__lt=now).update(
        state=OutgoingEmail.State.PENDING, lease_until=None
    )
    due = (
        OutgoingEmail.objects.filter(state=OutgoingEmail.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(attempts__gt=0) | Q(created_at__lte=now - _task_grace()))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in list(due))
