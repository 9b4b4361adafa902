"""The statistics' tallies: kept from the signature events, repaired by a rebuild, read without
touching the signatures."""

import datetime
import threading
from collections import Counter

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import signature_request
from tests.race import simultaneously
from undeu.core.periodic import PERIODIC_JOBS
from undeu.petitions.models import Petition, PetitionState
from undeu.signatures import transitions
from undeu.signatures.confirming import confirm
from undeu.signatures.counting import confirmed_counts, current_count, recount
from undeu.signatures.models import Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import Origin, sign
from undeu.signatures.uncounting import invalidate, withdraw
from undeu.stats import tallies, tallying
from undeu.stats.models import Dimension, SiteTally, Tally, TallyProgress

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def hour_of(signature) -> str:
    return tallying.hour_key(Signature.objects.get(pk=signature.pk).confirmed_at)


def assert_tallies_add_up(petition):
    """Each dimension sums to the petition's true count (regions: those who gave one)."""
    cache.clear()
    truth = confirmed_counts([petition.pk]).get(petition.pk, 0)
    assert current_count(petition.pk) == truth
    assert sum(tallies.by_country(petition.pk).values()) == truth
    assert sum(count for _at, count in tallies.over_time(petition.pk, "hour")) == truth
    assert sum(count for _at, count in tallies.over_time(petition.pk, "day")) == truth
    with_region = Signature.objects.filter(
        petition=petition, state=SignatureState.CONFIRMED
    ).exclude(region="")
    assert sum(tallies.by_region(petition.pk).values()) == with_region.count()


def sign_flagged(petition, email, **overrides):
    sign(
        petition.pk,
        signature_request(email, **overrides),
        base_url="http://testserver",
        origin=Origin("203.0.113.9", "203.0.113.0/24"),
        flags=["honeypot"],
    )
    signature = Signature.objects.for_email(email).get(petition=petition)
    confirm(signature)
    return signature


def test_every_change_to_the_count_reaches_the_tallies(
    petition, sign_and_confirm, django_user_model
):
    moderator = django_user_model.objects.create_user("moderator")
    almaty = sign_and_confirm(petition, "a@example.com", region="KZ-75")
    sign_and_confirm(petition, "b@example.com", region="KZ-75")
    astana = sign_and_confirm(petition, "c@example.com", region="KZ-71")
    sign_and_confirm(petition, "d@example.com", country="RU", city="Москва")
    moscow = sign_and_confirm(petition, "e@example.com", country="RU")
    flagged = sign_flagged(petition, "bot@example.com", region="KZ-79")
    assert tallying.catch_up() == 5
    assert tallies.by_country(petition.pk) == {"KZ": 3, "RU": 2}
    assert tallies.by_region(petition.pk) == {"KZ-75": 2, "KZ-71": 1}
    assert_tallies_add_up(petition)

    # Out of the count: invalidated by a moderator, withdrawn by the signer, moved in bulk.
    assert invalidate(almaty, actor=moderator, reason="bot")
    assert withdraw(moscow)
    transitions.move(
        petition.pk, [astana.pk], to_state=SignatureState.INVALIDATED, from_states=["confirmed"]
    )
    # The flagged signature counts only once a moderator accepts it.
    assert tallying.catch_up() == 3
    assert tallies.by_country(petition.pk) == {"KZ": 1, "RU": 1}
    assert tallies.by_region(petition.pk) == {"KZ-75": 1}
    assert_tallies_add_up(petition)
    transitions.accept_flagged(petition.pk, [flagged.pk])
    # ... and an invalidation undone counts again.
    transitions.move(
        petition.pk, [astana.pk], to_state=SignatureState.CONFIRMED, from_states=["invalidated"]
    )
    assert tallying.catch_up() == 2
    assert tallies.by_region(petition.pk) == {"KZ-75": 1, "KZ-71": 1, "KZ-79": 1}
    assert_tallies_add_up(petition)
    assert tallying.catch_up() == 0  # nothing new
    # The instance's tallies are the petitions' sums.
    site = dict(SiteTally.objects.filter(dimension="country").values_list("key", "count"))
    assert site == {"KZ": 3, "RU": 1}
    assert tallying.rebuild(petition.pk) == 0  # and the rebuild finds nothing to repair
    assert tallying.check_site() == 0


def test_hours_are_utc_and_days_are_the_time_zones(petition, sign_and_confirm, settings):
    settings.TIME_ZONE = "Asia/Almaty"  # UTC+5
    late = sign_and_confirm(petition, "late@example.com")
    early = sign_and_confirm(petition, "early@example.com")
    old = sign_and_confirm(petition, "old@example.com")
    # 20:30 UTC is 01:30 the next day in Almaty; 03:10 UTC is 08:10 the same day.
    Signature.objects.filter(pk=late.pk).update(
        confirmed_at=datetime.datetime(2026, 3, 9, 20, 30, tzinfo=UTC)
    )
    Signature.objects.filter(pk=early.pk).update(
        confirmed_at=datetime.datetime(2026, 3, 10, 3, 10, tzinfo=UTC)
    )
    Signature.objects.filter(pk=old.pk).update(
        confirmed_at=datetime.datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    )
    tallying.catch_up()
    keys = set(
        Tally.objects.filter(petition=petition, dimension="hour").values_list("key", flat=True)
    )
    assert keys == {"2026-03-09T20", "2026-03-10T03", "2026-03-07T12"}
    zone = timezone.get_current_timezone()
    days = tallies.over_time(petition.pk, "day")
    assert [(at.date().isoformat(), n) for at, n in days] == [
        ("2026-03-07", 1),
        ("2026-03-08", 0),
        ("2026-03-09", 0),
        ("2026-03-10", 2),
    ]
    assert all(at.tzinfo is not None and at.utcoffset() == zone.utcoffset(at) for at, _n in days)
    assert all((at.hour, at.minute) == (0, 0) for at, _n in days)
    hours = tallies.over_time(petition.pk, "hour")
    # From the first hour to the last, every hour, gaps as 0: bounded to the latest week.
    assert len(hours) == len({at for at, _n in hours})
    assert hours[0][0] == datetime.datetime(2026, 3, 7, 12, tzinfo=UTC)
    assert hours[-1] == (datetime.datetime(2026, 3, 10, 3, tzinfo=UTC), 1)
    assert len(hours) == 3 * 24 - 12 + 3 + 1
    assert sum(n for _at, n in hours) == 3
    latest = tallies.over_time(petition.pk, "hour", buckets=8)
    assert [n for _at, n in latest] == [1, 0, 0, 0, 0, 0, 0, 1]
    assert tallies.over_time(petition.pk, "day", buckets=1) == [days[-1]]
    # The petition page's pair, from one read, equals the two series read apart.
    with CaptureQueriesContext(connection) as queries:
        pair = tallies.recent(petition.pk, hours=8, days=2)
    assert pair == (latest, tallies.over_time(petition.pk, "day", buckets=2))
    assert len(queries) == 1


def test_series_are_bounded(petition, sign_and_confirm):
    signature = sign_and_confirm(petition, "a@example.com")
    tallying.catch_up()
    # Two years of hours, one signature each (written straight into the tallies).
    start = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    Tally.objects.bulk_create(
        Tally(
            petition=petition,
            dimension="hour",
            key=tallying.hour_key(start + datetime.timedelta(hours=i * 7)),
            count=1,
        )
        for i in range(2 * 365 * 24 // 7)
    )
    with CaptureQueriesContext(connection) as queries:
        hours = tallies.over_time(petition.pk, "hour")
        days = tallies.over_time(petition.pk, "day")
    assert len(hours) == tallies.MAX_BUCKETS["hour"]
    assert len(days) == tallies.MAX_BUCKETS["day"]
    assert hours[-1][0] == Signature.objects.get(pk=signature.pk).confirmed_at.replace(
        minute=0, second=0, microsecond=0
    )
    assert len(queries) == 2
    with pytest.raises(ValueError):
        tallies.over_time(petition.pk, "week")


def test_a_petition_without_signatures_has_empty_tallies(petition):
    assert tallies.by_country(petition.pk) == {}
    assert tallies.by_region(petition.pk) == {}
    assert tallies.over_time(petition.pk, "hour") == []
    assert tallies.over_time(petition.pk, "day") == []
    assert tallying.rebuild(petition.pk) == 0


def test_the_rebuild_repairs_a_corrupted_tally_and_counts_unadded_events_once(
    petition, sign_and_confirm
):
    for i in range(3):
        sign_and_confirm(petition, f"s{i}@example.com", region="KZ-75")
    tallying.catch_up()
    Tally.objects.filter(petition=petition, dimension="country").update(count=40)
    Tally.objects.filter(petition=petition, dimension="region").delete()
    Tally.objects.create(petition=petition, dimension="country", key="US", count=2)
    # Two more confirmed that the tallies have not read yet: the rebuild must leave them to
    # catch_up, not count them too.
    sign_and_confirm(petition, "late1@example.com", country="RU")
    sign_and_confirm(petition, "late2@example.com", country="RU")
    repaired = tallying.rebuild(petition.pk)
    assert repaired == (40 - 3) + 3 + 2
    assert tallies.by_country(petition.pk) == {"KZ": 3}
    assert tallies.by_region(petition.pk) == {"KZ-75": 3}
    assert tallying.catch_up() == 2
    assert tallies.by_country(petition.pk) == {"KZ": 3, "RU": 2}
    assert_tallies_add_up(petition)
    assert tallying.rebuild(petition.pk) == 0
    # The repair moved the instance's tallies too (right for events that went missing, which
    # neither saw); what was corrupted in the petition's alone, the instance's check undoes.
    assert tallying.check_site() == (40 - 3) + 3 + 2
    assert tallying.check_site() == 0
    site = dict(SiteTally.objects.filter(dimension="country").values_list("key", "count"))
    assert {key: count for key, count in site.items() if count} == {"KZ": 3, "RU": 2}


def test_signatures_that_never_had_events_are_counted_by_the_rebuild(petition):
    # As the demo and the benchmark write them: confirmed rows, no events.
    now = timezone.now()
    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            full_name="Демо",
            email=f"demo{i}@example.invalid",
            email_digest=f"digest{i}",
            country="KZ",
            region="KZ-10" if i % 2 else "",
            language="kk",
            state=SignatureState.CONFIRMED,
            token_digest=f"token{i}",
            confirmed_at=now - datetime.timedelta(hours=i),
        )
        for i in range(6)
    )
    assert tallying.rebuild_due() == 6 + 3 + 6
    assert tallies.by_country(petition.pk) == {"KZ": 6}
    assert tallies.by_region(petition.pk) == {"KZ-10": 3}
    recount(petition.pk)  # the count too, as the demo does
    assert_tallies_add_up(petition)
    # Checked, and no event since: the next run leaves it alone.
    with CaptureQueriesContext(connection) as queries:
        assert tallying.rebuild_due() == 0
    assert not any(f'"{Signature._meta.db_table}"' in q["sql"] for q in queries.captured_queries)


def test_a_second_rebuild_from_the_same_snapshot_repairs_nothing(petition, sign_and_confirm):
    sign_and_confirm(petition, "a@example.com")
    tallying.catch_up()
    Tally.objects.filter(petition=petition, dimension="country").update(count=9)
    stale = tallying._snapshot(petition.pk)
    assert tallying.rebuild(petition.pk) == 8
    truth, shown, _pending, repairs, last = stale
    drift = Counter(truth)
    drift.subtract(shown)
    assert drift
    assert tallying._repair(petition.pk, drift, repairs, last) == 0
    assert tallies.by_country(petition.pk) == {"KZ": 1}


def test_the_instance_check_repairs_its_tallies(make_petition, sign_and_confirm):
    first, second = make_petition("first"), make_petition("second")
    sign_and_confirm(first, "a@example.com")
    sign_and_confirm(second, "a@example.com", country="RU")
    tallying.catch_up()
    SiteTally.objects.filter(dimension="country", key="KZ").update(count=100)
    SiteTally.objects.filter(dimension="hour").delete()
    assert tallying.check_site() == 99 + 2
    assert tallying.check_site() == 0
    assert tallies.read_site_totals()["by_country"] == {"KZ": 1, "RU": 1}


def test_the_events_wait_for_a_missing_id_then_go_past_it(petition, sign_and_confirm):
    for i in range(3):
        sign_and_confirm(petition, f"s{i}@example.com")
    tallying.catch_up()
    first = sign_and_confirm(petition, "t1@example.com")
    sign_and_confirm(petition, "t2@example.com")
    sign_and_confirm(petition, "t3@example.com")
    # The event of t2 as if its transaction were still open (or rolled back).
    events = list(SignatureEvent.objects.order_by("pk").values_list("pk", flat=True))
    missing = events[-2]
    SignatureEvent.objects.filter(pk=missing).delete()
    assert tallying.catch_up() == 1  # t1, then it stops before the gap
    assert TallyProgress.objects.get().last_event_id == events[-3]
    assert tallying.catch_up() == 0  # the gap is right after the watermark: wait
    seen_at = TallyProgress.objects.get().gap_seen_at
    assert seen_at is not None
    with time_machine.travel(seen_at + tallying.GAP_WAIT - datetime.timedelta(seconds=1)):
        assert tallying.catch_up() == 0
    with time_machine.travel(seen_at + tallying.GAP_WAIT + datetime.timedelta(seconds=1)):
        assert tallying.catch_up() == 1
    progress = TallyProgress.objects.get()
    assert (progress.last_event_id, progress.gap_seen_at) == (events[-1], None)
    assert sum(tallies.by_country(petition.pk).values()) == 5
    # The signature whose event went missing is counted by the next rebuild.
    assert first.pk
    assert tallying.rebuild(petition.pk) == 2  # its country and its hour
    assert_tallies_add_up(petition)


def test_reads_touch_only_the_tallies(make_petition, sign_and_confirm):
    petition = make_petition("read")
    for i in range(5):
        sign_and_confirm(petition, f"s{i}@example.com", region="KZ-75")
    tallying.catch_up()
    with CaptureQueriesContext(connection) as queries:
        tallies.by_country(petition.pk)
        tallies.by_region(petition.pk)
        tallies.over_time(petition.pk, "hour")
        tallies.over_time(petition.pk, "day")
        tallies.site_totals()
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert f'"{Signature._meta.db_table}"' not in sql
    assert f'"{SignatureEvent._meta.db_table}"' not in sql
    assert len(queries.captured_queries) <= 10
    # The instance's totals are cached.
    with CaptureQueriesContext(connection) as again:
        tallies.site_totals()
    assert not again.captured_queries
    if connection.vendor == "postgresql":
        plans = explain_all(petition.pk)
        for plan in plans:
            assert "Seq Scan" not in plan, plan
            assert Signature._meta.db_table not in plan


def explain_all(petition_id: int) -> list[str]:
    """PostgreSQL's plans of the petition reads, with sequential scans made too expensive to
    choose when an index can serve (a tiny test table would otherwise be read whole)."""
    querysets = [
        tallies._of_petition(petition_id, Dimension.COUNTRY).order_by("-count", "key"),
        tallies._of_petition(petition_id, Dimension.HOUR).order_by("-key")[:48],
        SiteTally.objects.filter(dimension="hour", key__gte="2026-01-01T00"),
    ]
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for queryset in querysets:
            plans.append(queryset.explain())
    return plans


def test_site_totals(make_petition, sign_and_confirm, settings):
    settings.UNDEU_STATS_CACHE_SECONDS = 60
    park, removed = make_petition("park"), make_petition("removed")
    make_petition("draft", state=PetitionState.DRAFT)
    make_petition("won", state=PetitionState.CLOSED, outcome="victory")
    sign_and_confirm(park, "a@example.com", region="KZ-71")
    sign_and_confirm(park, "b@example.com", country="DE")
    sign_and_confirm(removed, "a@example.com", country="FR")
    tallying.catch_up()
    Petition.objects.filter(pk=removed.pk).update(state=PetitionState.REMOVED)
    totals = tallies.site_totals()
    assert totals["petitions"] == {"open": 1, "removed": 1, "draft": 1, "closed": 1}
    assert totals["victories"] == 1
    assert totals["signatures"] == 2
    assert totals["countries"] == 2
    assert totals["by_country"] == {"DE": 1, "KZ": 1}
    assert totals["by_region"] == {"KZ-71": 1}
    assert sum(n for _day, n in totals["per_day"]) == 2
    assert totals["per_day"][-1][0].date() == timezone.localdate()
    # Cached: a new signature shows once the cache expires.
    sign_and_confirm(park, "c@example.com")
    tallying.catch_up()
    assert tallies.site_totals()["signatures"] == 2
    cache.clear()
    assert tallies.site_totals()["signatures"] == 3


def test_the_worker_keeps_the_tallies():
    jobs = {job.name: job.run for job in PERIODIC_JOBS}
    assert jobs["tallies"] is tallying.catch_up
    assert jobs["tally-rebuild"] is tallying.rebuild_due


def test_many_events_are_added_in_batches(petition, sign_and_confirm, monkeypatch):
    monkeypatch.setattr(tallying, "BATCH", 3)
    for i in range(10):
        sign_and_confirm(petition, f"s{i}@example.com")
    with CaptureQueriesContext(connection) as queries:
        assert tallying.catch_up() == 10
    claims = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and "last_event_id" in q["sql"]
    ]
    assert len(claims) == 4  # 3 + 3 + 3 + 1, each in its own transaction
    assert_tallies_add_up(petition)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_add_the_same_events(petition, sign_and_confirm, monkeypatch):
    for i in range(6):
        sign_and_confirm(petition, f"s{i}@example.com", region="KZ-75")
    tallying.progress()
    # Both workers read the same events before either claims them.
    read_events = tallying.read_events
    both_read = threading.Barrier(2)

    def read_then_wait(after):
        events = read_events(after)
        both_read.wait(timeout=10)
        return events

    monkeypatch.setattr(tallying, "read_events", read_then_wait)
    results = simultaneously(2, lambda _i: tallying.add_next_batch())
    assert sorted(results) == [(0, 6), (6, 6)], results
    assert tallies.by_country(petition.pk) == {"KZ": 6}
    assert tallies.by_region(petition.pk) == {"KZ-75": 6}
    assert dict(SiteTally.objects.filter(dimension="region").values_list("key", "count")) == {
        "KZ-75": 6
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_confirmations_during_catch_up_and_rebuild_are_counted_once(
    petition, sign_and_confirm, no_limits
):
    for i in range(20):
        sign(petition.pk, signature_request(f"s{i}@example.com"), base_url="http://testserver")
    pending = list(Signature.objects.filter(petition=petition))

    def work(i):
        if i < 20:
            return confirm(pending[i])
        if i % 2:
            return tallying.catch_up()
        return tallying.rebuild(petition.pk)

    for _round in range(2):
        simultaneously(24, work)
    tallying.catch_up()
    tallying.rebuild(petition.pk)
    assert_tallies_add_up(petition)
    assert sum(tallies.by_country(petition.pk).values()) == 20
