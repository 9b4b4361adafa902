"""What a signer can do from their link: withdraw a signature, stop or allow emails, erase
everything. Each is a function of the mailbox's keyed hash (the link's `email_digest`), so a
signature is only ever found by that hash, never by its address; each is audit-logged with
signature ids and petitions only.
"""

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from undeu.audit.log import record
from undeu.datarights.models import AccessLink, EmailSuppression
from undeu.mail.models import OutgoingEmail
from undeu.petitions.models import Petition
from undeu.signatures.erasure import anonymise
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.transitions import move

S = SignatureState
# Every state a signer can take their signature back from: counted or not, a withdrawn one
# stays withdrawn, so a moderator undoing an invalidation later cannot count it again.
WITHDRAWABLE = (S.PENDING, S.CONFIRMED, S.FLAGGED, S.INVALIDATED)


def signatures_of(digest: str):
    return Signature.objects.filter(email_digest=digest)


def mark_opened(link: AccessLink) -> None:
    """Log the first opening of a link (a reload is not a new step)."""
    with transaction.atomic():
        if AccessLink.objects.filter(pk=link.pk, opened_at=None).update(opened_at=timezone.now()):
            ids = list(signatures_of(link.email_digest).values_list("pk", flat=True))
            record("datarights.link_opened", signatures=sorted(ids))


def withdraw(digest: str, signature_id: int) -> bool:
    """Withdraw one of this mailbox's signatures: out of the count (and so of the goal, the
    thresholds and the starter's exports) in one transaction. False if it is not theirs;
    withdrawing one already withdrawn changes nothing."""
    signature = signatures_of(digest).filter(pk=signature_id).only("pk", "petition_id").first()
    if signature is None:
        return False
    with transaction.atomic():
        moved = move(
            signature.petition_id, [signature.pk], to_state=S.WITHDRAWN, from_states=WITHDRAWABLE
        )
        if moved:
            record(
                "datarights.withdrawn",
                petition=Petition(pk=signature.petition_id),
                signature=signature.pk,
                was=moved[0][1],
            )
    return True


def emails_stopped(digest: str) -> bool:
    return EmailSuppression.objects.filter(email_digest=digest).exists()


def not_suppressed(signatures):
    """`signatures` without those whose mailbox stopped all emails (for every mailing)."""
    return signatures.exclude(
        Exists(EmailSuppression.objects.filter(email_digest=OuterRef("email_digest")))
    )


def stop_emails(digest: str) -> None:
    """No more mailings to this mailbox, about any petition, now or signed later. Each
    signature's own choice is kept (allowing emails again restores it); mailing emails already
    queued for these signatures and not yet sent are dropped."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                EmailSuppression.objects.create(email_digest=digest)
        except IntegrityError:
            return  # already stopped (or stopped at this very moment by another request)
        ids = sorted(signatures_of(digest).values_list("pk", flat=True))
        _drop_queued_mailings(digest)
        record("datarights.emails_stopped", signatures=ids)


def resume_emails(digest: str) -> None:
    with transaction.atomic():
        deleted, _ = EmailSuppression.objects.filter(email_digest=digest).delete()
        if deleted:
            ids = sorted(signatures_of(digest).values_list("pk", flat=True))
            record("datarights.emails_allowed", signatures=ids)


def _drop_queued_mailings(digest: str) -> None:
    """Pending mailing emails (bulk) to this mailbox, found by its keyed hash: the address is
    encrypted and cannot be compared."""
    OutgoingEmail.objects.filter(
        recipient_digest=digest,
        state=OutgoingEmail.State.PENDING,
        priority=OutgoingEmail.Priority.BULK,
    ).delete()


def erase(digest: str) -> dict[int, list[int]]:
    """Withdraw every signature of this mailbox, then erase everything that says who signed:
    names, addresses and digests (signatures/erasure.py), the emails sent to it, its links.
    What is kept cannot tell who it was: each signature's state, country, region and dates, so
    totals still add up, and, if the mailbox stopped all emails, the keyed hash that keeps it
    from being emailed. Returns the signature ids erased, by petition."""
    with transaction.atomic():
        rows = list(signatures_of(digest).select_for_update().order_by("pk"))
        by_petition: dict[int, list[int]] = defaultdict(list)
        for signature in rows:
            by_petition[signature.petition_id].append(signature.pk)
        for petition_id, ids in by_petition.items():
            move(petition_id, ids, to_state=S.WITHDRAWN, from_states=WITHDRAWABLE)
        ids = [signature.pk for signature in rows]
        # Every email to this mailbox, sent or waiting: confirmations, updates, these links.
        OutgoingEmail.objects.filter(recipient_digest=digest).delete()
        anonymise(ids)
        AccessLink.objects.filter(email_digest=digest).delete()
        for petition_id, petition_ids in by_petition.items():
            record("datarights.erased", petition=Petition(pk=petition_id), signatures=petition_ids)
        if not by_petition:
            record("datarights.erased", signatures=[])
    return dict(by_petition)
