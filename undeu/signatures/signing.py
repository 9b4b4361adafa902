"""Signing a petition: one short transaction, the unique constraint doing the dedupe."""

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from undeu.core.fast_insert import FastInsert
from undeu.mail.outbox import queue_email
from undeu.petitions.models import Petition, PetitionState
from undeu.signatures.identity import email_digest
from undeu.signatures.models import Signature, SignatureState


@dataclass(frozen=True)
class SignatureRequest:
    full_name: str
    email: str  # already normalised
    country: str
    city: str
    wants_updates: bool
    show_name: bool
    language: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


# The hot path of a surge: one prepared INSERT that skips a duplicate instead of failing on it.
_insert_signature = FastInsert(Signature, ignore_conflicts=True)


@cache
def _open_petition_sql() -> str:
    table, quote = Petition._meta.db_table, connection.ops.quote_name
    slug, state = (Petition._meta.get_field(name).column for name in ("slug", "state"))
    # Identifiers from the model's own metadata, quoted; the values are parameters.
    return f"SELECT id FROM {quote(table)} WHERE {quote(slug)} = %s AND {quote(state)} = %s"  # noqa: S608


def open_petition_id(slug: str) -> int | None:
    """The id of the open petition at this address, or None (unknown, closed, taken down...).
    Plain SQL: through the ORM, building this one-line query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_open_petition_sql(), [slug, PetitionState.OPEN.value])
        row = cursor.fetchone()
    return row[0] if row else None


def sign(petition_id: int, request: SignatureRequest, *, base_url: str) -> None:
    """Record a pending signature and queue its confirmation email, in one short transaction.

    Signing twice with the same email creates nothing new: the person gets an email instead (a
    fresh confirmation link if they never confirmed, or a note that they already signed), and the
    caller shows the same page either way, so nobody learns from the site who has signed.
    """
    token, digest = new_token()
    identity = email_digest(request.email)
    with transaction.atomic():
        # The common case: BEGIN, two INSERTs, COMMIT. The unique constraint is the dedupe; a
        # duplicate is skipped (ON CONFLICT DO NOTHING), not an error, so the transaction goes on.
        signature_id = _insert_signature(
            petition_id=petition_id,
            full_name=request.full_name,
            email=request.email,
            email_digest=identity,
            country=request.country,
            city=request.city,
            language=request.language,
            wants_updates=request.wants_updates,
            show_name=request.show_name,
            token_digest=digest,
            created_at=timezone.now(),
        )
        if signature_id is not None:
            _queue(petition_id, request, base_url, token)
            return
        existing = (
            Signature.objects.select_for_update()
            .filter(petition_id=petition_id, email_digest=identity)
            .values_list("pk", "state")
            .first()
        )
        if existing is None:
            # What the row clashed with is gone (erased meanwhile), or it was the token (never
            # in practice): sign again, with a new token.
            pass
        elif existing[1] == SignatureState.PENDING:
            # The first email may be lost; a new link replaces the old one.
            Signature.objects.filter(pk=existing[0]).update(token_digest=digest)
            _queue(petition_id, request, base_url, token)
            return
        else:
            _queue(petition_id, request, base_url, None)
            return
    sign(petition_id, request, base_url=base_url)


def _queue(petition_id: int, request: SignatureRequest, base_url: str, token: str | None):
    context = {"petition_id": petition_id, "base_url": base_url}
    if token is not None:
        context["token"] = token
    kind = "confirm_signature" if token is not None else "already_signed"
    queue_email(kind, to=request.email, language=request.language, context=context)
