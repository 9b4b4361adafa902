"""Signing a petition: one short transaction, the unique constraint doing the dedupe."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from undeu.core.fast_insert import FastInsert
from undeu.mail.outbox import prepare_email, queue_prepared, queue_prepared_after
from undeu.signatures.identity import email_digest, mailbox_domain, same_name
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
    region: str = ""  # ISO 3166-2 code of a region of Kazakhstan (regions.py), or ""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


# The hot path of a surge: one prepared INSERT that skips a duplicate instead of failing on it.
_insert_signature = FastInsert(Signature, ignore_conflicts=True)


@dataclass(frozen=True)
class Origin:
    """Where a signature came from, kept for the abuse defences."""

    ip_address: str | None = None
    network: str = ""


@dataclass(frozen=True)
class PreparedSignature:
    """A signature and its confirmation email as rows ready to insert: made before the
    transaction (a token, keyed hashes, encrypted name, email and context), so that the
    transaction, and on SQLite the database's one write lock, holds only the statements."""

    petition_id: int
    request: SignatureRequest
    base_url: str
    origin: Origin
    identity: str
    row: dict
    params: list
    email: list


def prepare(
    petition_id: int,
    request: SignatureRequest,
    *,
    base_url: str,
    origin: Origin = Origin(),  # frozen, so one shared default is safe
) -> PreparedSignature:
    token, digest = new_token()
    identity = email_digest(request.email)
    row = {
        "petition_id": petition_id,
        "full_name": request.full_name,
        "email": request.email,
        "email_digest": identity,
        "email_domain": mailbox_domain(request.email),
        "country": request.country,
        "region": request.region,
        "city": request.city,
        "language": request.language,
        "wants_updates": request.wants_updates,
        "show_name": request.show_name,
        "token_digest": digest,
        "created_at": timezone.now(),
        "ip_address": origin.ip_address,
        "network": origin.network,
        "state": SignatureState.PENDING,
        "flags": "",
    }
    return PreparedSignature(
        petition_id=petition_id,
        request=request,
        base_url=base_url,
        origin=origin,
        identity=identity,
        row=row,
        params=_insert_signature.params(row),
        email=_email(petition_id, request, identity, base_url, token),
    )


def sign(
    petition_id: int,
    request: SignatureRequest,
    *,
    base_url: str,
    origin: Origin = Origin(),  # frozen, so one shared default is safe
    flags: Sequence[str] = (),
) -> None:
    """Record a pending signature (flagged, uncounted, when `flags` say why) and queue its
    confirmation email, in one short transaction.

    Signing twice with the same email creates nothing new: the person gets an email instead (a
    fresh confirmation link if they never confirmed, or a note that they already signed), and the
    caller shows the same page either way, so nobody learns from the site who has signed. Where
    the instance lets a household share an address (UNDEU_NAMES_PER_EMAIL above 1), a new name
    on it is a new signature, up to that many.
    """
    store(prepare(petition_id, request, base_url=base_url, origin=origin), flags)


def store(prepared: PreparedSignature, flags: Sequence[str] = ()) -> None:
    """The transaction of `sign`, for a signature prepared beforehand."""
    petition_id, request, identity = prepared.petition_id, prepared.request, prepared.identity
    base_url, row, params = prepared.base_url, prepared.row, prepared.params
    if flags:
        flagged = {"state": SignatureState.FLAGGED, "flags": ",".join(flags)[:200]}
        row = {**row, **flagged}
        params = _insert_signature.replaced(params, **flagged)
    # On PostgreSQL the common case is one statement, atomic by itself: the signature, and its
    # email only if the signature was inserted (a duplicate is skipped by ON CONFLICT DO NOTHING).
    postgresql = connection.vendor == "postgresql"
    if postgresql and queue_prepared_after(_insert_signature, params, prepared.email) is not None:
        return
    # No savepoint when the caller's transaction holds this one (SQLite counts the limits in
    # it): a failure here fails the whole request anyway, and a savepoint is two statements more.
    with transaction.atomic(savepoint=False):
        # The common case on SQLite: BEGIN, two INSERTs, COMMIT. The unique constraint is the
        # dedupe; a duplicate is skipped (ON CONFLICT DO NOTHING), not an error, so the
        # transaction goes on. (PostgreSQL tried the same above, and is here for a duplicate.)
        if not postgresql and _insert_signature.execute(params) is not None:
            queue_prepared(prepared.email)
            return
        existing = list(
            Signature.objects.select_for_update()
            .filter(petition_id=petition_id, email_digest=identity)
            .order_by("email_slot")
            .values_list("pk", "state", "confirmed_at", "full_name", "email_slot")
        )
        same = _same_signer(existing, request.full_name)
        if same is not None:
            pk, state, confirmed_at = same
            if state == SignatureState.PENDING or (
                state == SignatureState.FLAGGED and confirmed_at is None
            ):
                # The first email may be lost; a new link replaces the old one.
                Signature.objects.filter(pk=pk).update(token_digest=row["token_digest"])
                queue_prepared(prepared.email)
            else:
                _queue(petition_id, request, identity, base_url, None)
            return
        slot = _free_slot(existing)
        if existing and slot is None:
            _queue(petition_id, request, identity, base_url, None, kind="address_shared_full")
            return
        if slot is not None and _insert_signature(**row, email_slot=slot) is not None:
            queue_prepared(prepared.email)
            return
        # What the row clashed with is gone (erased meanwhile), another name took the free slot
        # at the same moment, or it was the token (never in practice): sign again.
    sign(petition_id, request, base_url=base_url, origin=prepared.origin, flags=flags)


def _same_signer(existing: list, full_name: str) -> tuple[int, str, object] | None:
    """The signature on this address that is the same signer's: with one name per address,
    whoever signed with it; on a shared address, the one with the same name."""
    for pk, state, confirmed_at, name, _slot in existing:
        if settings.UNDEU_NAMES_PER_EMAIL == 1 or same_name(name, full_name):
            return pk, state, confirmed_at
    return None


def _free_slot(existing: list) -> int | None:
    taken = {slot for *_rest, slot in existing}
    free = [slot for slot in range(settings.UNDEU_NAMES_PER_EMAIL) if slot not in taken]
    return free[0] if free else None


def _email(
    petition_id: int,
    request: SignatureRequest,
    identity: str,
    base_url: str,
    token: str | None,
    *,
    kind: str | None = None,
) -> list:
    context = {"petition_id": petition_id, "base_url": base_url}
    if token is not None:
        context["token"] = token
    kind = kind or ("confirm_signature" if token is not None else "already_signed")
    return prepare_email(
        kind,
        to=request.email,
        language=request.language,
        context=context,
        recipient_digest=identity,
    )


def _queue(
    petition_id: int,
    request: SignatureRequest,
    identity: str,
    base_url: str,
    token: str | None,
    *,
    kind: str | None = None,
):
    queue_prepared(_email(petition_id, request, identity, base_url, token, kind=kind))
