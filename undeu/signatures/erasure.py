"""Erasing who signed while keeping what was signed.

An anonymised signature keeps its petition, state, country, city (the region), language and
dates, so every count, the counts by country and region and the verifiable event log still add
up; it loses the name, the email, the network address and anything that would link it back to
a person: the dedupe and token digests become `erased:<id>`, which no HMAC or SHA-256 (hex)
ever equals, so the unique constraints still hold and no address or link can match it again.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from undeu.signatures.models import Signature

ERASED_PREFIX = "erased:"
BATCH = 1000


def erased_marker():
    return Concat(Value(ERASED_PREFIX), Cast("pk", CharField()))


def anonymise(signature_ids: Iterable[int]) -> int:
    """Erase the personal data of these signatures (idempotent); how many rows were changed."""
    ids = list(signature_ids)
    changed = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            changed += Signature.objects.filter(pk__in=ids[start : start + BATCH]).update(
                full_name="",
                email="",
                email_domain="",
                email_digest=erased_marker(),
                token_digest=erased_marker(),
                ip_address=None,
                network="",
                show_name=False,
                wants_updates=False,
            )
    return changed


def is_anonymised(signature: Signature) -> bool:
    return signature.email_digest.startswith(ERASED_PREFIX)
