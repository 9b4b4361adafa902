"""A petition's confirmed count: sharded so confirmations don't queue on one row, cached so a
page view never counts rows, and repaired by a periodic recount."""

import random

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
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
    transaction.on_commit(lambda: forget_count(petition_id))


def forget_count(petition_id: int) -> None:
    """After a change to the count has committed: the next reader counts afresh."""
    cache.delete(_cache_key(petition_id))


def stored_count(petition_id: int) -> int:
    total = CountShard.objects.filter(petition_id=petition_id).aggregate(total=Sum("value"))
    return max(0, total["total"] or 0)


def current_count(petition_id: int) -> int:
    """The count, at most UNDEU_COUNT_MAX_AGE seconds old."""
    value = cache.get(_cache_key(petition_id))
    return fresh_count(petition_id) if value is None else value


def fresh_count(petition_id: int) -> int:
    """The count read now, and kept as current_count's. For a signer who has just changed it:
    the page after their confirmation may come from another web process, whose kept count
    (without a shared cache, each process keeps its own) does not have them yet."""
    value = stored_count(petition_id)
    cache.set(_cache_key(petition_id), value, timeout=settings.UNDEU_COUNT_MAX_AGE)
    return value


def current_counts(petition_ids) -> dict[int, int]:
    """The counts of several petitions (a list page), as current_count gives each: one cache
    round trip, and one query over the shards of those not cached."""
    petition_ids = list(petition_ids)
    cached = cache.get_many([_cache_key(pk) for pk in petition_ids])
    counts = {pk: cached[_cache_key(pk)] for pk in petition_ids if _cache_key(pk) in cached}
    missing = [pk for pk in petition_ids if pk not in counts]
    if missing:
        sums = dict(
            CountShard.objects.filter(petition_id__in=missing)
            .values_list("petition_id")
            .annotate(total=Sum("value"))
        )
        fresh = {pk: max(0, sums.get(pk) or 0) for pk in missing}
        cache.set_many(
            {_cache_key(pk): value for pk, value in fresh.items()},
            timeout=settings.UNDEU_COUNT_MAX_AGE,
        )
        counts.update(fresh)
    return counts


def recount(petition_id: int) -> int:
    """Repair any drift between the shards and the true count of confirmed signatures; returns
    the drift repaired.

    Nothing is locked while counting: the true count, the shards' sum and how many repairs were
    made are read by one statement, so from one snapshot of the database. The difference (which
    confirmations and withdrawals never change, as each moves a signature and a shard in one
    transaction) is then added to shard 0 by one UPDATE, only if no other recount repaired the
    count since that snapshot (else the drift it saw is already repaired, and the next recount
    finds whatever is left). Counting under a lock held the shards, and on SQLite the whole
    database's write lock, for the COUNT: 3 to 4 s at 10 million signatures, with every signer
    waiting.
    """
    truth, shown, repairs = _snapshot(petition_id)
    drift = truth - shown
    if drift and not _repair(petition_id, drift, repairs):
        return 0
    return drift


def _snapshot(petition_id: int) -> tuple[int, int, int]:
    quote = connection.ops.quote_name
    signatures, shards = quote(Signature._meta.db_table), quote(CountShard._meta.db_table)
    # Identifiers from the models' metadata, quoted; the values are parameters.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {signatures} WHERE petition_id = %s AND state = %s),"  # noqa: S608  # nosec B608
        f" (SELECT COALESCE(SUM(value), 0) FROM {shards} WHERE petition_id = %s),"
        f" (SELECT repairs FROM {shards} WHERE petition_id = %s AND shard = 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [petition_id, SignatureState.CONFIRMED.value, petition_id, petition_id])
        truth, shown, repairs = cursor.fetchone()
    return int(truth), int(shown), int(repairs or 0)


def _repair(petition_id: int, drift: int, repairs_seen: int) -> bool:
    def apply() -> int:
        return CountShard.objects.filter(
            petition_id=petition_id, shard=0, repairs=repairs_seen
        ).update(value=F("value") + drift, repairs=F("repairs") + 1)

    with transaction.atomic():
        updated = apply()
        if not updated and repairs_seen == 0:
            # No shards yet (rows counted that no confirmation added): make them, then repair.
            CountShard.objects.bulk_create(
                [CountShard(petition_id=petition_id, shard=i) for i in range(SHARDS)],
                ignore_conflicts=True,
            )
            updated = apply()
        if updated:
            transaction.on_commit(lambda: forget_count(petition_id))
    return bool(updated)


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
