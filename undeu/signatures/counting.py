"""A petition's confirmed count: sharded so confirmations don't queue on one row, cached so a
page view never counts rows, and repaired by a periodic recount."""

import random

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q, Sum

from undeu.petitions.models import PUBLIC_STATES, Petition
from undeu.signatures.models import CountShard, Signature, SignatureState

SHARDS = 8


def _cache_key(petition_id: int) -> str:
    return f"count:{petition_id}"


def add_to_count(petition_id: int, delta: int) -> None:
    """Add `delta` to the count. Call inside the transaction that changed the signature."""
    shard = random.randrange(SHARDS)
    updated = CountShard.objects.filter(petition_id=petition_id, shard=shard).update(
        value=F("value") + delta
    )
    if not updated:
        CountShard.objects.bulk_create(
            [CountShard(petition_id=petition_id, shard=i) for i in range(SHARDS)],
            ignore_conflicts=True,
        )
        CountShard.objects.filter(petition_id=petition_id, shard=shard).update(
            value=F("value") + delta
        )
    transaction.on_commit(lambda: cache.delete(_cache_key(petition_id)))


def stored_count(petition_id: int) -> int:
    total = CountShard.objects.filter(petition_id=petition_id).aggregate(total=Sum("value"))
    return max(0, total["total"] or 0)


def current_count(petition_id: int) -> int:
    """The count, at most UNDEU_COUNT_MAX_AGE seconds old."""
    key = _cache_key(petition_id)
    value = cache.get(key)
    if value is None:
        value = stored_count(petition_id)
        cache.set(key, value, timeout=settings.UNDEU_COUNT_MAX_AGE)
    return value


def recount(petition_id: int) -> int:
    """Set the shards to the true count of confirmed signatures; returns the drift repaired."""
    with transaction.atomic():
        # Lock the shards first: a confirmation that commits after this waits for us, and one
        # that committed before is in the COUNT below (read after the lock in READ COMMITTED).
        shards = list(CountShard.objects.select_for_update().filter(petition_id=petition_id))
        truth = Signature.objects.filter(
            petition_id=petition_id, state=SignatureState.CONFIRMED
        ).count()
        shown = sum(s.value for s in shards)
        if shown != truth:
            CountShard.objects.filter(petition_id=petition_id).update(value=0)
            updated = CountShard.objects.filter(petition_id=petition_id, shard=0).update(
                value=truth
            )
            if not updated:
                CountShard.objects.create(petition_id=petition_id, shard=0, value=truth)
            transaction.on_commit(lambda: cache.delete(_cache_key(petition_id)))
        return truth - shown


def recount_all() -> int:
    repaired = 0
    for petition_id in Petition.objects.filter(state__in=PUBLIC_STATES).values_list(
        "id", flat=True
    ):
        repaired += abs(recount(petition_id))
    return repaired


def refresh_sort_counts() -> None:
    """Copy the shard sums to Petition.signature_count, which lists sort by."""
    sums = (
        CountShard.objects.filter(petition__state__in=PUBLIC_STATES)
        .values("petition_id")
        .annotate(total=Sum("value"))
    )
    for row in sums:
        Petition.objects.filter(pk=row["petition_id"]).exclude(
            signature_count=max(0, row["total"])
        ).update(signature_count=max(0, row["total"]))


def confirmed_counts(petition_ids) -> dict[int, int]:
    """True counts for a few petitions (tests and the recount's report)."""
    rows = (
        Signature.objects.filter(petition_id__in=petition_ids)
        .values("petition_id")
        .annotate(n=Count("id", filter=Q(state=SignatureState.CONFIRMED)))
    )
    return {row["petition_id"]: row["n"] for row in rows}
