"""One-click unsubscribe (RFC 8058) from a petition's emails, by a link in each email.

The token is the signature id signed with the site's key under its own salt: it names one
signature, cannot be guessed or changed to another id, and is unrelated to the confirmation
token (which must never travel in bulk email). It does not expire: an old email's link must
still work. Unsubscribing keeps the signature, which still counts.
"""

from django.core.signing import BadSignature, Signer

from undeu.signatures.models import Signature

_SALT = "undeu.updates.unsubscribe"
_MAX_TOKEN_LENGTH = 120


def _signer() -> Signer:
    return Signer(salt=_SALT, sep=".")


def unsubscribe_token(signature_id: int) -> str:
    return _signer().sign(str(signature_id))


def signature_for_token(token: str) -> Signature | None:
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        value = _signer().unsign(token)
    except BadSignature:
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    return Signature.objects.select_related("petition").filter(pk=int(value)).first()


def stop_emails(signature: Signature) -> None:
    """No more emails about this petition; the signature itself is untouched."""
    Signature.objects.filter(pk=signature.pk, wants_updates=True).update(wants_updates=False)
    signature.wants_updates = False


def unsubscribe_headers(url: str) -> dict[str, str]:
    """Headers that let a mail client unsubscribe with one POST (RFC 2369 and RFC 8058).

    Providers act on them only when the message's DKIM signature covers both headers: the
    operator's mail server must sign them.
    """
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
