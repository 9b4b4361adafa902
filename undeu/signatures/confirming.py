"""Confirming a signature: the POST behind the link in the email."""

import enum
import random
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from undeu.core.prepared import prepared_cursor
from undeu.petitions.models import Petition, PetitionState
from undeu.signatures.counting import SHARDS, add_to_count, forget_count
from undeu.signatures.models import CountShard, Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import token_digest

# The longest token looked for: ours are 43 characters; anything much longer is not one.
MAX_TOKEN_LENGTH = 100
# What the quick path records (a module constant, so that a test can make the record fail).
CONFIRMED_EVENT = SignatureEvent.Kind.CONFIRMED.value


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    CLOSED = "closed"
    NOT_COUNTED = "not_counted"


def find_signature(token: str) -> Signature | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Signature.objects.select_related("petition")
        .filter(token_digest=token_digest(token))
        .first()
    )


def confirm(signature: Signature) -> Outcome:
    if signature.signer_confirmed:
        return Outcome.ALREADY_CONFIRMED
    if signature.state not in (SignatureState.PENDING, SignatureState.FLAGGED):
        return Outcome.NOT_COUNTED
    if not signature.petition.accepts_confirmations():
        return Outcome.CLOSED
    now = timezone.now()
    if signature.state == SignatureState.FLAGGED:
        return _confirm_flagged(signature, now)
    with transaction.atomic():
        # Conditional update: of two simultaneous clicks exactly one changes the row and counts.
        claimed = Signature.objects.filter(pk=signature.pk, state=SignatureState.PENDING).update(
            state=SignatureState.CONFIRMED, confirmed_at=now
        )
        if not claimed:
            return Outcome.ALREADY_CONFIRMED
        add_to_count(signature.petition_id, +1)
        SignatureEvent.objects.create(
            petition_id=signature.petition_id,
            signature_id=signature.pk,
            kind=SignatureEvent.Kind.CONFIRMED,
            at=now,
        )
    signature.state = SignatureState.CONFIRMED
    signature.confirmed_at = now
    return Outcome.CONFIRMED


def _confirm_flagged(signature: Signature, now) -> Outcome:
    """A flagged signer confirms like any other and is told the same, so a bot learns nothing
    from the answer; the signature waits, uncounted, for a moderator (who counts it at once if
    they accept it, since its signer did confirm)."""
    claimed = Signature.objects.filter(
        pk=signature.pk, state=SignatureState.FLAGGED, confirmed_at=None
    ).update(confirmed_at=now)
    if not claimed:
        return Outcome.ALREADY_CONFIRMED
    signature.confirmed_at = now
    return Outcome.CONFIRMED


def confirm_quickly(token: str) -> int | None:
    """The surge's path: confirm a pending signature on an open petition, count it and record
    its event, as `confirm` does, in as few statements as the database allows, with no model
    built: on PostgreSQL one statement (atomic by itself), on SQLite one short transaction of
    three. The petition's id when it confirmed; None for anything else (an unknown token, a
    signature already confirmed, flagged or not counted, a petition closed or taken down),
    which has changed nothing and which `confirm` answers.

    A confirmation through the ORM read the signature and its petition, then updated, counted
    and recorded in a transaction: six round trips to PostgreSQL and most of a millisecond of
    building queries, about three times a signature's cost.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = timezone.now()
    confirmed_at = Signature._meta.get_field("confirmed_at").get_db_prep_save(now, connection)
    claim = [
        SignatureState.CONFIRMED.value,
        confirmed_at,
        token_digest(token),
        SignatureState.PENDING.value,
        PetitionState.OPEN.value,
    ]
    # A random shard, so that simultaneous confirmations rarely wait on the same row.
    shard = random.randrange(SHARDS)
    event = [CONFIRMED_EVENT, confirmed_at]
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(_sql().confirm_all, [*claim, shard, *event])
            row = cursor.fetchone()
        petition_id = row[0] if row else None
    else:
        petition_id = _confirm_in_a_transaction(claim, shard, event)
    if petition_id is not None:
        forget_count(petition_id)
    return petition_id


def _confirm_in_a_transaction(claim: list, shard: int, event: list) -> int | None:
    sql = _sql()
    with transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(sql.claim, claim)
        row = cursor.fetchone()
        if row is None:
            return None
        signature_id, petition_id = row
        cursor.execute(sql.count, [petition_id, shard])
        cursor.execute(sql.record, [petition_id, signature_id, *event])
    return petition_id


class _Statements:
    """The quick confirmation's SQL, from the models' metadata (built once per process)."""

    def __init__(self):
        quote = connection.ops.quote_name

        def column(model, name):
            return quote(model._meta.get_field(name).column)

        signatures, petitions = quote(Signature._meta.db_table), quote(Petition._meta.db_table)
        shards, events = quote(CountShard._meta.db_table), quote(SignatureEvent._meta.db_table)
        state, confirmed_at = column(Signature, "state"), column(Signature, "confirmed_at")
        digest, petition = column(Signature, "token_digest"), column(Signature, "petition")
        shard, value = column(CountShard, "shard"), column(CountShard, "value")
        repairs, shard_petition = column(CountShard, "repairs"), column(CountShard, "petition")
        event_columns = ", ".join(
            column(SignatureEvent, name) for name in ("petition", "signature", "kind", "at")
        )
        # Identifiers from the models' metadata, quoted; every value is a parameter. The
        # conditions are `confirm`'s: only a pending signature (of two clicks at once, one
        # changes the row and counts), only on an open petition.
        self.claim = (
            f"UPDATE {signatures} SET {state} = %s, {confirmed_at} = %s"  # noqa: S608  # nosec B608
            f" WHERE {digest} = %s AND {state} = %s AND {petition} IN"
            f" (SELECT id FROM {petitions} WHERE {column(Petition, 'state')} = %s)"
            f" RETURNING id, {petition}"
        )
        # A petition's shards are made by its first confirmation: one is enough for the count
        # (the sum of those there are), and the recount makes the rest when it needs shard 0.
        upsert = (
            f" ON CONFLICT ({shard_petition}, {shard})"  # nosec B608 - as above
            f" DO UPDATE SET {value} = {shards}.{value} + 1"
        )
        self.count = (
            f"INSERT INTO {shards} ({shard_petition}, {shard}, {value}, {repairs})"  # noqa: S608  # nosec B608
            f" VALUES (%s, %s, 1, 0){upsert}"
        )
        self.record = f"INSERT INTO {events} ({event_columns}) VALUES (%s, %s, %s, %s)"  # noqa: S608  # nosec B608
        # PostgreSQL: all three in one statement, the count and the event only for a row the
        # UPDATE claimed. (SQLite has no UPDATE or INSERT inside WITH.)
        self.confirm_all = (
            f"WITH claimed AS ({self.claim}),"  # noqa: S608  # nosec B608
            f" counted AS (INSERT INTO {shards} ({shard_petition}, {shard}, {value}, {repairs})"
            f" SELECT {petition}, %s::smallint, 1, 0 FROM claimed{upsert}),"
            f" recorded AS (INSERT INTO {events} ({event_columns})"
            f" SELECT {petition}, id, %s, %s FROM claimed)"
            f" SELECT {petition} FROM claimed"
        )


@cache
def _sql() -> _Statements:
    return _Statements()
