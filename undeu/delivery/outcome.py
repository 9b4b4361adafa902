"""After the petition: the starter marks it delivered to its targets and records the outcome.

Neither changes the petition's state (open or closed), so they are conditional UPDATEs of their
own fields, audit-logged in the same transaction, rather than lifecycle transitions.
"""

from django.db import transaction
from django.utils import timezone

from undeu.audit.log import record
from undeu.petitions.models import PUBLIC_STATES, Petition
from undeu.updates.mailing import start_mailing
from undeu.updates.models import Mailing


class OutcomeRefused(Exception):
    """The petition is not open or closed (any more)."""


def mark_delivered(petition: Petition, *, actor) -> bool:
    """Record that the package was handed to the targets. False if it already was."""
    now = timezone.now()
    with transaction.atomic():
        changed = Petition.objects.filter(
            pk=petition.pk, state__in=PUBLIC_STATES, delivered_at=None
        ).update(delivered_at=now)
        if changed:
            record("petition.delivered", actor=actor, petition=petition)
    if changed:
        petition.delivered_at = now
    return bool(changed)


def record_outcome(petition: Petition, *, outcome: str, text: str, actor, base_url: str) -> bool:
    """Record the outcome and email it to the signers who asked for emails.

    Signers are emailed only when the outcome itself changes: correcting the text of a
    response is recorded but sends nothing. Returns whether a mailing was started.
    """
    now = timezone.now()
    public = Petition.objects.filter(pk=petition.pk, state__in=PUBLIC_STATES)
    with transaction.atomic():
        previous = public.values_list("outcome", flat=True).first()
        if previous is None:
            raise OutcomeRefused(petition.slug)
        # Conditional on the outcome read: of two simultaneous changes only one emails.
        changed = (
            public.filter(outcome=previous)
            .exclude(outcome=outcome)
            .update(outcome=outcome, outcome_text=text, outcome_at=now)
        )
        if changed:
            record(
                "petition.outcome",
                actor=actor,
                petition=petition,
                note=text,
                previous_outcome=previous,
                outcome=outcome,
            )
            start_mailing(petition, Mailing.Kind.OUTCOME, base_url=base_url)
        else:
            if not public.filter(outcome=outcome).update(outcome_text=text):
                raise OutcomeRefused(petition.slug)
            record("petition.outcome_text", actor=actor, petition=petition, note=text)
    petition.refresh_from_db(fields=["outcome", "outcome_text", "outcome_at"])
    return bool(changed)
