"""Forgetting where signers came from and whom we emailed, once nothing needs it any more.

A signature's IP address and network serve the abuse defences only (rate limits over a day,
the trending job's last hours against the week before, bulk invalidation by network): after
UNDEU_IP_RETENTION_DAYS both are erased. The job walks the signatures in id order from where it
stopped last time (ids grow with time), so each run reads only the rows since, through the
primary key, instead of scanning the table or needing an index on the signing path's table.
It stops at the first signature not yet due, so one that is due but behind it waits for the
next run rather than being skipped.

An alert about one address names it: after the same time (since it was last seen) the alert
keeps only the address's network. Sent emails keep their recipient's address in the outbox;
they are deleted after UNDEU_SENT_EMAIL_DAYS (the message itself was emptied when it was sent).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from undeu.defence.client import network_of
from undeu.defence.models import Alert
from undeu.mail.models import OutgoingEmail
from undeu.privacy.models import ErasureProgress
from undeu.signatures.models import Signature

BATCH = 1000
WALK = "addresses"


def _progress() -> int:
    ErasureProgress.objects.bulk_create([ErasureProgress(name=WALK)], ignore_conflicts=True)
    return ErasureProgress.objects.values_list("last_id", flat=True).get(name=WALK)


def erase_old_addresses(*, batch: int = BATCH) -> int:
    """Erase the IP address and network of signatures older than the setting; how many."""
    cutoff = timezone.now() - timedelta(days=settings.UNDEU_IP_RETENTION_DAYS)
    after = _progress()
    erased = 0
    while True:
        rows = list(
            Signature.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "created_at")[:batch]
        )
        due = []
        for pk, created_at in rows:
            if created_at >= cutoff:
                break
            due.append(pk)
        if due:
            with transaction.atomic():
                erased += (
                    Signature.objects.filter(pk__in=due)
                    .filter(Q(ip_address__isnull=False) | ~Q(network=""))
                    .update(ip_address=None, network="")
                )
                # Conditional: a concurrent run that got further is not sent back.
                ErasureProgress.objects.filter(name=WALK, last_id__lt=due[-1]).update(
                    last_id=due[-1]
                )
            after = due[-1]
        if len(due) < batch:
            return erased


def erase_alert_addresses() -> int:
    """Alerts about one address, last seen before the cutoff, keep only its network."""
    cutoff = timezone.now() - timedelta(days=settings.UNDEU_IP_RETENTION_DAYS)
    old = Alert.objects.filter(dimension=Alert.Dimension.IP, updated_at__lt=cutoff).exclude(
        value__contains="/"
    )
    erased = 0
    for alert in old:
        try:
            network = network_of(alert.value)
        except ValueError:
            network = ""
        criteria = {**alert.evidence.get("criteria", {}), "network": network}
        erased += Alert.objects.filter(pk=alert.pk, value=alert.value).update(
            value=network or "…", evidence={**alert.evidence, "criteria": criteria}
        )
    return erased


def forget_sent_emails(*, batch: int = BATCH) -> int:
    """Delete sent and given-up emails older than the setting, in batches; how many."""
    cutoff = timezone.now() - timedelta(days=settings.UNDEU_SENT_EMAIL_DAYS)
    done = (OutgoingEmail.State.SENT, OutgoingEmail.State.FAILED)
    deleted = 0
    while True:
        ids = list(
            OutgoingEmail.objects.filter(state__in=done, created_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:batch]
        )
        if not ids:
            return deleted
        deleted += OutgoingEmail.objects.filter(pk__in=ids, state__in=done).delete()[0]


def erase_expired() -> int:
    """The periodic job: all of the above."""
    return erase_old_addresses() + erase_alert_addresses() + forget_sent_emails()
