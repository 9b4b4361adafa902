"""Signing a petition: one short transaction, the unique constraint doing the dedupe."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from undeu.mail.outbox import queue_email
from undeu.petitions.models import Petition
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


def sign(petition: Petition, request: SignatureRequest, *, base_url: str) -> None:
    """Record a pending signature and queue its confirmation email.

    Signing twice with the same email creates nothing new: the person gets an email instead (a
    fresh confirmation link if they never confirmed, or a note that they already signed), and the
    caller shows the same page either way, so nobody learns from the site who has signed.
    """
    token, digest = new_token()
    identity = email_digest(request.email)
    try:
        # The common case in one short transaction: BEGIN, two INSERTs, COMMIT. No savepoint:
        # a duplicate aborts this transaction (the unique constraint is the dedupe) and is
        # handled in a second one below.
        with transaction.atomic():
            Signature.objects.create(
                petition=petition,
                full_name=request.full_name,
                email=request.email,
                email_digest=identity,
                country=request.country,
                city=request.city,
                language=request.language,
                wants_updates=request.wants_updates,
                show_name=request.show_name,
                token_digest=digest,
            )
            _queue(petition, request, base_url, token)
        return
    except IntegrityError:
        pass
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(
            petition=petition, email_digest=identity
        )
        if signature.state == SignatureState.PENDING:
            # The first email may be lost; a new link replaces the old one.
            Signature.objects.filter(pk=signature.pk).update(token_digest=digest)
            _queue(petition, request, base_url, token)
        else:
            _queue(petition, request, base_url, None)


def _queue(petition: Petition, request: SignatureRequest, base_url: str, token: str | None):
    context = {"petition_id": petition.pk, "base_url": base_url}
    if token is not None:
        context["token"] = token
    kind = "confirm_signature" if token is not None else "already_signed"
    queue_email(kind, to=request.email, language=request.language, context=context)
