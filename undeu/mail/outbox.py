"""The outbox: emails are stored with the change that caused them and sent by the worker.

A message is queued inside the caller's transaction, so a rolled-back signature never sends mail
and a committed one always does: the outbox table is the queue. The worker's sender polls it and
sends what is due in batches over one SMTP connection (a task row per email cost a second write
transaction in every signing request and about nine queries per email in the worker). A batch
is claimed with a conditional UPDATE (with SKIP LOCKED on PostgreSQL), so two workers never send
the same message; a failure sets the next attempt with exponential backoff; a sender that dies
mid-batch loses its claim when the lease lapses, and the message is sent again with the same
Message-ID (at least once, recognisably the same message).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from undeu.core.fast_insert import FastInsert
from undeu.mail.models import OutgoingEmail
from undeu.signatures.identity import email_digest, normalise_email

logger = logging.getLogger(__name__)

State = OutgoingEmail.State


def _lease() -> timedelta:
    """How long a claimed message is someone's; after that a crashed sender's claim lapses."""
    return timedelta(seconds=settings.UNDEU_MAIL_LEASE_SECONDS)


# Every signature queues one (a surge's hot path): a prepared INSERT, not Model.objects.create.
_insert_message = FastInsert(OutgoingEmail)


def queue_email(kind: str, **fields) -> int:
    """Queue an email in the caller's transaction; its id. The fields are prepare_email's:
    `bulk` (one of a mailing to many) is sent after every email a person is waiting for,
    whenever they were queued; a caller that has the mailbox's keyed hash already (signing)
    gives it as `recipient_digest`, saving its computation."""
    return queue_prepared(prepare_email(kind, **fields))


def prepare_email(
    kind: str,
    *,
    to: str,
    language: str,
    context: dict,
    bulk: bool = False,
    recipient_digest: str | None = None,
) -> list:
    """An email's row, converted (the address and context encrypted) and ready to queue with
    `queue_prepared`: made before a transaction, it keeps the work out of it."""
    now = timezone.now()
    priority = OutgoingEmail.Priority.BULK if bulk else OutgoingEmail.Priority.PERSON_WAITING
    return _insert_message.params(
        {
            "kind": kind,
            "to": to,
            "recipient_digest": digest_of(to) if recipient_digest is None else recipient_digest,
            "language": language,
            "context": context,
            "priority": priority,
            "next_attempt_at": now,
            "created_at": now,
        }
    )


def queue_prepared(row: list) -> int:
    """Queue a prepared email (prepare_email) in the caller's transaction; its id."""
    return queued(_insert_message.execute(row))


def queue_prepared_after(first: FastInsert, first_params: list, row: list) -> int | None:
    """Insert a row of `first` and queue a prepared email with it in one statement, only if the
    row was inserted (FastInsert.insert_after; PostgreSQL); the email's id, or None."""
    message_id = _insert_message.insert_after(first, first_params, row)
    return None if message_id is None else queued(message_id)


def queued(message_id: int) -> int:
    """After an email's row is inserted."""
    if settings.UNDEU_TASKS == "immediate":
        # Development and tests without a worker: background work runs when the change commits.
        transaction.on_commit(lambda: _deliver_quietly(message_id))
    return message_id


def digest_of(address: str) -> str:
    """The keyed hash of an address's mailbox, as signatures are deduplicated by; an address the
    signing form would refuse is hashed as it is, lower-cased."""
    try:
        normalised = normalise_email(address)
    except ValidationError:
        normalised = address.strip().lower()
    return email_digest(normalised)


def _deliver_quietly(message_id: int) -> None:
    try:
        deliver(message_id)
    except Exception:
        # The request that queued it must not fail because sending did; the sweep retries.
        logger.exception("could not send outgoing email %s now; it stays queued", message_id)


def backoff(attempts: int) -> timedelta:
    first = settings.UNDEU_MAIL_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** max(0, attempts - 1), 6 * 3600))


def _due(now):
    return OutgoingEmail.objects.filter(state=State.PENDING, next_attempt_at__lte=now)


def claim(message_ids, now=None) -> list[OutgoingEmail]:
    """Make the given due messages this sender's; return those it got."""
    now = now or timezone.now()
    with transaction.atomic():
        mine = list(
            _due(now)
            .filter(pk__in=list(message_ids))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if mine:
            OutgoingEmail.objects.filter(pk__in=mine, state=State.PENDING).update(
                state=State.SENDING, lease_until=now + _lease(), attempts=F("attempts") + 1
            )
    return list(OutgoingEmail.objects.filter(pk__in=mine).order_by("pk")) if mine else []


def deliver(message_id: int) -> bool:
    """Send one message if it is due and nobody else is sending it. True when sent now."""
    return _send(claim([message_id])) == 1


def send_batch(limit: int | None = None) -> int:
    """Send up to `limit` due messages, oldest due first. Returns how many were sent."""
    limit = limit or settings.UNDEU_MAIL_BATCH
    now = timezone.now()
    # A plain read first: an idle poll must not take SQLite's write lock.
    # People waiting for a link first: a mailing to every signer must not delay a confirmation.
    due = _due(now).order_by("priority", "next_attempt_at")
    candidates = list(due.values_list("pk", flat=True)[:limit])
    if not candidates:
        return 0
    return _send(claim(candidates, now))


def _send(messages: list[OutgoingEmail]) -> int:
    from undeu.mail.compose import shared_lookups

    if not messages:
        return 0
    sent, unmarked, failed = 0, [], []
    connection = get_connection()
    # The file backend (make run's demo mailbox) writes one file per open connection, and the
    # mailbox shows one message per file; every other backend keeps one connection per batch.
    keep_open = not isinstance(connection, FileBackend)
    try:
        if keep_open:
            connection.open()
    except Exception as exc:
        _failed([(message, exc) for message in messages])
        return 0
    try:
        with shared_lookups():
            for message in messages:
                try:
                    _send_one(connection, message)
                except Exception as exc:
                    failed.append((message, exc))
                    if keep_open:
                        _reconnect(connection)
                else:
                    sent += 1
                    unmarked.append(message.pk)
                    if len(unmarked) == settings.UNDEU_MAIL_MARK_EVERY:
                        _sent(unmarked)
                        unmarked = []
    finally:
        if keep_open:
            connection.close()
    _sent(unmarked)
    _failed(failed)
    return sent


def _send_one(connection, message: OutgoingEmail) -> None:
    """Over SMTP, a surge's confirmation emails go as their batch's template filled in
    (wire.py), as Django's SMTP backend would send them; anything else through the backend."""
    from undeu.mail.compose import compose
    from undeu.mail.wire import wire_message

    wire = wire_message(message) if type(connection) is SmtpBackend else None
    if wire is None:
        connection.send_messages([compose(message)])
        return
    sender, data = wire
    connection.open()  # nothing if open; again after a failed send closed it (_reconnect)
    connection.connection.sendmail(sender, [message.to], data)


def _reconnect(connection) -> None:
    try:
        connection.close()
        connection.open()
    except Exception:
        logger.warning("could not reconnect to the mail server; the rest of the batch will retry")


def _sent(message_ids: list[int]) -> None:
    # Marked every few messages, not once per batch: a crash resends at most that many.
    if message_ids:
        OutgoingEmail.objects.filter(pk__in=message_ids).update(
            state=State.SENT, sent_at=timezone.now(), lease_until=None, context={}, last_error=""
        )


def _failed(failures) -> None:
    for message, exc in failures:
        gave_up = message.attempts >= settings.UNDEU_MAIL_MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=message.pk).update(
            state=State.FAILED if gave_up else State.PENDING,
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


def release_expired_leases() -> int:
    """Give back messages whose sender died while sending them."""
    return OutgoingEmail.objects.filter(state=State.SENDING, lease_until__lt=timezone.now()).update(
        state=State.PENDING, lease_until=None
    )


def sweep(limit: int = 200) -> int:
    """Release expired leases, then send what is due (the sender loop's work, for one pass)."""
    release_expired_leases()
    return send_batch(limit)
