"""Keeping the tallies: the worker adds each new signature event to them, and a periodic rebuild
repairs any drift against the signatures themselves.

Adding (`catch_up`, every UNDEU_TALLY_SECONDS): the events after the stored watermark are read in
id order; each adds +1 (confirmed, accepted, reinstated) or -1 (invalidated, withdrawn) to the
tallies of its signature's country, region and hour of confirmation, the petition's and the
instance's, in one transaction with the watermark's move. The watermark moves by a conditional
UPDATE (from the value the batch was read after), so of two workers reading the same events
only one adds them; the other's UPDATE finds the watermark moved and changes nothing.

Event ids are taken when a transaction inserts the event, not when it commits: on PostgreSQL id
101 may be visible while 100's transaction is still open. So a run takes only the events up to
the first missing id, and waits for a missing id right after the watermark for GAP_WAIT before
going past it (it was rolled back, or its transaction is so slow that the rebuild will count it).

Rebuilding (`rebuild_due`, every UNDEU_TALLY_REBUILD_SECONDS): as `counting.recount` does for the
count, nothing is locked while counting. One statement (so one snapshot) reads the true tallies
of a petition's counted signatures, its stored tallies, the effect of the events not yet added
(after the watermark) and how many repairs were made. What the truth differs from the stored
tallies plus those events is drift, which neither adding events nor new confirmations change
(each moves a signature and an event, then the event and the tallies, in one transaction); it is
added to the tallies only if no other rebuild repaired them since that snapshot.
"""

import datetime
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from undeu.petitions.models import PUBLIC_STATES, Petition
from undeu.signatures.models import Signature, SignatureEvent, SignatureState
from undeu.stats.models import Dimension, SiteTally, Tally, TallyCheck, TallyProgress

Kind = SignatureEvent.Kind
ENTERING = (Kind.CONFIRMED, Kind.ACCEPTED, Kind.REINSTATED)
BATCH = 5000
# Batches one run adds at most, so a long backlog does not hold up the worker's other jobs.
BATCHES_PER_RUN = 20
GAP_WAIT = datetime.timedelta(seconds=60)
# A petition with no new event is still recounted this often.
RECHECK_AFTER = datetime.timedelta(days=1)
PROGRESS_ID = 1

# (petition id, dimension, key) -> change; for the instance, (dimension, key) -> change.
PetitionChanges = Counter
SiteChanges = Counter


def hour_key(moment: datetime.datetime) -> str:
    """The key of the UTC hour `moment` falls in: "2026-01-15T10"."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H")


def keys_of(country: str, region: str, hour: str) -> list[tuple[str, str]]:
    """The tallies one counted signature is in."""
    keys = [(Dimension.HOUR.value, hour)]
    if country:
        keys.append((Dimension.COUNTRY.value, str(country)))
    if region:
        keys.append((Dimension.REGION.value, region))
    return keys


# --- Adding events --------------------------------------------------------------------------


def catch_up() -> int:
    """Add the signature events since the last run to the tallies; returns how many."""
    added = 0
    for _batch in range(BATCHES_PER_RUN):
        taken, read = add_next_batch()
        added += taken
        if read < BATCH or taken < read:
            break
    return added


def progress() -> TallyProgress:
    return TallyProgress.objects.get_or_create(pk=PROGRESS_ID)[0]


def add_next_batch() -> tuple[int, int]:
    """Add one batch of events; returns (events added, events read)."""
    state = progress()
    seen = state.last_event_id
    events = read_events(seen)
    if not events:
        return 0, 0
    now = timezone.now()
    taken = _contiguous(events, seen, state.gap_seen_at, now)
    if not taken:
        # A missing id right after the watermark: note when it was first seen, and wait.
        TallyProgress.objects.filter(pk=PROGRESS_ID, last_event_id=seen, gap_seen_at=None).update(
            gap_seen_at=now
        )
        return 0, len(events)
    changes, site = _changes_of(taken)
    with transaction.atomic():
        claimed = TallyProgress.objects.filter(pk=PROGRESS_ID, last_event_id=seen).update(
            last_event_id=taken[-1][0], gap_seen_at=None
        )
        if not claimed:
            return 0, len(events)  # another worker added these
        add(changes, site)
    return len(taken), len(events)


def read_events(after: int) -> list[tuple]:
    """(id, petition, kind, country, region, hour key or "") of the next events after `after`;
    "" for an event whose signature was deleted, which is not added."""
    rows = (
        SignatureEvent.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list(
            "pk",
            "petition_id",
            "kind",
            "signature__country",
            "signature__region",
            "signature__confirmed_at",
            "signature__created_at",
        )[:BATCH]
    )
    return [
        (pk, petition_id, kind, country or "", region or "", hour_key(confirmed or created))
        if (confirmed or created)
        else (pk, petition_id, kind, "", "", "")
        for pk, petition_id, kind, country, region, confirmed, created in rows
    ]


def _contiguous(events, seen: int, gap_seen_at, now) -> list[tuple]:
    """The events up to the first missing id; past a missing id right after the watermark only
    once it has been missing for GAP_WAIT. Before the first run there is no watermark: the
    tallies start at the first event there is."""
    taken: list[tuple] = []
    expected = seen + 1 if seen else events[0][0]
    for event in events:
        if event[0] != expected:
            if taken:
                break
            if gap_seen_at is None or now - gap_seen_at < GAP_WAIT:
                return []
        taken.append(event)
        expected = event[0] + 1
    return taken


def _changes_of(events: Iterable[tuple]) -> tuple[PetitionChanges, SiteChanges]:
    changes: PetitionChanges = Counter()
    site: SiteChanges = Counter()
    for _pk, petition_id, kind, country, region, hour in events:
        if not hour:
            continue
        delta = 1 if kind in ENTERING else -1
        for dimension, key in keys_of(country, region, hour):
            changes[(petition_id, dimension, key)] += delta
            site[(dimension, key)] += delta
    return changes, site


def add(changes: PetitionChanges, site: SiteChanges) -> None:
    """Add the changes to the tallies (one UPSERT per tally). Call inside a transaction. Rows are
    written in key order, the petitions' before the instance's, so two transactions adding to
    the same tallies wait for each other instead of deadlocking."""
    quote = connection.ops.quote_name
    key, count = quote("key"), quote("count")
    tally, site_tally = quote(Tally._meta.db_table), quote(SiteTally._meta.db_table)
    # Identifiers from the models' metadata, quoted; the values are parameters.
    petition_sql = (
        f"INSERT INTO {tally} (petition_id, dimension, {key}, {count}) VALUES (%s, %s, %s, %s)"  # noqa: S608  # nosec B608
        f" ON CONFLICT (petition_id, dimension, {key})"
        f" DO UPDATE SET {count} = {tally}.{count} + excluded.{count}"
    )
    site_sql = (
        f"INSERT INTO {site_tally} (dimension, {key}, {count}) VALUES (%s, %s, %s)"  # noqa: S608  # nosec B608
        f" ON CONFLICT (dimension, {key})"
        f" DO UPDATE SET {count} = {site_tally}.{count} + excluded.{count}"
    )
    petition_rows = [(*where, delta) for where, delta in sorted(changes.items()) if delta]
    site_rows = [(*where, delta) for where, delta in sorted(site.items()) if delta]
    with connection.cursor() as cursor:
        if petition_rows:
            cursor.executemany(petition_sql, petition_rows)
        if site_rows:
            cursor.executemany(site_sql, site_rows)


# --- Rebuilding -----------------------------------------------------------------------------


def rebuild_due() -> int:
    """Rebuild the tallies of public petitions with events since their last check (or not
    checked for a day), then check the instance's; returns the drift repaired."""
    now = timezone.now()
    last_event = SignatureEvent.objects.filter(petition=OuterRef("pk")).order_by("-pk")
    petitions = Petition.objects.filter(state__in=PUBLIC_STATES).annotate(
        last_event=Subquery(last_event.values("pk")[:1])
    )
    checks = {
        check.petition_id: check
        for check in TallyCheck.objects.filter(petition__state__in=PUBLIC_STATES)
    }
    repaired = 0
    for petition_id, last in petitions.values_list("pk", "last_event"):
        check = checks.get(petition_id)
        fresh = check and check.checked_at and now - check.checked_at < RECHECK_AFTER
        if fresh and check.checked_through >= (last or 0):
            continue
        repaired += rebuild(petition_id)
    return repaired + check_site()


def rebuild(petition_id: int) -> int:
    """Repair any drift between a petition's tallies and its counted signatures; returns the
    drift repaired (the sum of its absolute changes)."""
    truth, shown, pending, repairs, last_event = _snapshot(petition_id)
    drift = Counter(truth)
    drift.subtract(shown)
    drift.subtract(pending)
    drift = Counter({where: delta for where, delta in drift.items() if delta})
    repaired = _repair(petition_id, drift, repairs, last_event) if drift else 0
    if not drift:
        _mark_checked(petition_id, last_event)
    return repaired


def _hour_sql(column: str) -> str:
    """SQL for hour_key() of a datetime column, in this database's dialect."""
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"
    # SQLite keeps datetimes as UTC text; Django's SQLite cursor turns %% back into %.
    return f"strftime('%%Y-%%m-%%dT%%H', {column})"


def _snapshot(petition_id: int) -> tuple[Counter, Counter, Counter, int, int]:
    quote = connection.ops.quote_name
    signatures, events = quote(Signature._meta.db_table), quote(SignatureEvent._meta.db_table)
    tally, check = quote(Tally._meta.db_table), quote(TallyCheck._meta.db_table)
    progress_table = quote(TallyProgress._meta.db_table)
    key, count = quote("key"), quote("count")
    hour = _hour_sql("COALESCE(s.confirmed_at, s.created_at)")
    entering = ", ".join(["%s"] * len(ENTERING))
    # One statement, so one snapshot of the database on either engine, and no lock taken.
    # Identifiers from the models' metadata, quoted; the values are parameters.
    sql = (
        f"SELECT 'truth', s.country, s.region, {hour}, COUNT(*) FROM {signatures} s"  # noqa: S608  # nosec B608
        " WHERE s.petition_id = %s AND s.state = %s GROUP BY 2, 3, 4"
        f" UNION ALL SELECT 'pending', s.country, s.region, {hour},"
        f" SUM(CASE WHEN e.kind IN ({entering}) THEN 1 ELSE -1 END)"
        f" FROM {events} e JOIN {signatures} s ON s.id = e.signature_id"
        " WHERE e.petition_id = %s"
        f" AND e.id > COALESCE((SELECT MAX(last_event_id) FROM {progress_table}), 0)"
        " GROUP BY 2, 3, 4"
        f" UNION ALL SELECT 'shown', t.dimension, t.{key}, NULL, t.{count} FROM {tally} t"
        " WHERE t.petition_id = %s"
        f" UNION ALL SELECT 'repairs', NULL, NULL, NULL, c.repairs FROM {check} c"
        " WHERE c.petition_id = %s"
        f" UNION ALL SELECT 'last', NULL, NULL, NULL, MAX(e.id) FROM {events} e"
        " WHERE e.petition_id = %s"
    )
    params = [petition_id, SignatureState.CONFIRMED.value, *ENTERING, petition_id]
    params += [petition_id, petition_id, petition_id]
    truth: Counter = Counter()
    shown: Counter = Counter()
    pending: Counter = Counter()
    repairs = last_event = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for source, first, second, hour_value, number in cursor.fetchall():
            number = int(number or 0)
            if source == "shown":
                shown[(first, second)] += number
            elif source == "repairs":
                repairs = number
            elif source == "last":
                last_event = number
            else:
                into = truth if source == "truth" else pending
                for where in keys_of(first or "", second or "", hour_value):
                    into[where] += number
    return truth, shown, pending, repairs, last_event


def _repair(petition_id: int, drift: Counter, repairs_seen: int, last_event: int) -> int:
    def claim() -> int:
        return TallyCheck.objects.filter(petition_id=petition_id, repairs=repairs_seen).update(
            repairs=repairs_seen + 1, checked_through=last_event, checked_at=timezone.now()
        )

    with transaction.atomic():
        claimed = claim()
        if not claimed and repairs_seen == 0:
            TallyCheck.objects.bulk_create(
                [TallyCheck(petition_id=petition_id)], ignore_conflicts=True
            )
            claimed = claim()
        if not claimed:
            return 0  # another rebuild repaired it since; the next finds whatever is left
        changes: PetitionChanges = Counter()
        site: SiteChanges = Counter()
        for (dimension, key), delta in drift.items():
            changes[(petition_id, dimension, key)] += delta
            site[(dimension, key)] += delta
        add(changes, site)
    return sum(abs(delta) for delta in drift.values())


def _mark_checked(petition_id: int, last_event: int) -> None:
    now = timezone.now()
    updated = TallyCheck.objects.filter(petition_id=petition_id).update(
        checked_through=last_event, checked_at=now
    )
    if not updated:
        TallyCheck.objects.bulk_create(
            [TallyCheck(petition_id=petition_id, checked_through=last_event, checked_at=now)],
            ignore_conflicts=True,
        )


def check_site() -> int:
    """Repair the instance's tallies where they differ from the sum of the petitions' (a
    petition deleted with its tallies, a hand edit); returns the drift repaired. As a rebuild:
    read in one statement, repaired only if no other check did since."""
    quote = connection.ops.quote_name
    tally, site_tally = quote(Tally._meta.db_table), quote(SiteTally._meta.db_table)
    progress_table = quote(TallyProgress._meta.db_table)
    key, count = quote("key"), quote("count")
    sql = (
        f"SELECT 'sum', dimension, {key}, SUM({count}) FROM {tally} GROUP BY 2, 3"  # noqa: S608  # nosec B608
        f" UNION ALL SELECT 'site', dimension, {key}, {count} FROM {site_tally}"
        f" UNION ALL SELECT 'repairs', NULL, NULL, site_repairs FROM {progress_table}"
        " WHERE id = %s"
    )
    drift: Counter = Counter()
    repairs_seen = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [PROGRESS_ID])
        for source, dimension, key_value, number in cursor.fetchall():
            if source == "repairs":
                repairs_seen = int(number or 0)
            else:
                drift[(dimension, key_value)] += int(number or 0) * (1 if source == "sum" else -1)
    drift = Counter({where: delta for where, delta in drift.items() if delta})
    if not drift:
        return 0
    progress()
    with transaction.atomic():
        claimed = TallyProgress.objects.filter(pk=PROGRESS_ID, site_repairs=repairs_seen).update(
            site_repairs=repairs_seen + 1
        )
        if not claimed:
            return 0
        add(Counter(), drift)
    return sum(abs(delta) for delta in drift.values())
