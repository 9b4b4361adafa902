import pytest
from django.core.cache import cache

from undeu.petitions.goals import next_goal, progress_percent
from undeu.petitions.models import Petition
from undeu.signatures.counting import (
    SHARDS,
    current_count,
    recount,
    recount_all,
    refresh_sort_counts,
    stored_count,
)
from undeu.signatures.models import CountShard, Signature

pytestmark = pytest.mark.django_db


def test_confirmations_spread_over_shards_and_add_up(petition, sign_and_confirm):
    for i in range(20):
        sign_and_confirm(petition, f"s{i}@example.com")
    assert CountShard.objects.filter(petition=petition).count() == SHARDS
    assert stored_count(petition.pk) == 20
    assert current_count(petition.pk) == 20


def test_the_shown_count_is_cached_for_a_moment(petition, sign_and_confirm, settings):
    settings.UNDEU_COUNT_MAX_AGE = 60
    assert current_count(petition.pk) == 0
    CountShard.objects.create(petition=petition, shard=0, value=5)  # written behind its back
    assert current_count(petition.pk) == 0
    cache.clear()
    assert current_count(petition.pk) == 5


def test_the_recount_repairs_drift(petition, sign_and_confirm):
    for i in range(3):
        sign_and_confirm(petition, f"s{i}@example.com")
    CountShard.objects.filter(petition=petition).update(value=7)  # drift: 8 shards x 7
    assert stored_count(petition.pk) == 7 * SHARDS
    assert recount(petition.pk) == 3 - 7 * SHARDS
    assert stored_count(petition.pk) == 3
    assert current_count(petition.pk) == 3
    assert recount(petition.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_the_recount_counts_without_taking_a_lock(petition, sign_and_confirm):
    # One statement outside any transaction: no shard row and no SQLite write lock held while
    # counting (at 10 million signatures the count takes seconds).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_and_confirm(petition, "a@example.com")
    with CaptureQueriesContext(connection) as queries:
        assert recount(petition.pk) == 0
    (query,) = queries.captured_queries
    assert query["sql"].startswith("SELECT") and "FOR UPDATE" not in query["sql"]


def test_recount_all_and_the_sort_counts(make_petition, sign_and_confirm):
    first, second = make_petition("first"), make_petition("second")
    sign_and_confirm(first, "a@example.com")
    sign_and_confirm(second, "a@example.com")
    sign_and_confirm(second, "b@example.com")
    Signature.objects.for_email("b@example.com").filter(petition=second).update(state="invalidated")
    assert recount_all() == 1
    refresh_sort_counts()
    counts = dict(Petition.objects.values_list("slug", "signature_count"))
    assert counts == {"first": 1, "second": 1}


@pytest.mark.parametrize(
    ("count", "goal"),
    [
        (0, 50),
        (1, 50),
        (49, 50),
        (50, 100),
        (999, 1000),
        (1000, 2500),
        (999_999, 1_000_000),
        (1_000_000, 2_000_000),
        (3_000_000, 4_000_000),
    ],
)
def test_the_goal_ladder(count, goal):
    assert next_goal(count) == goal
    assert 0 <= progress_percent(count) < 100


def test_invalidating_and_withdrawing_take_a_signature_out_of_the_count_once(
    petition, sign_and_confirm, django_user_model
):
    from undeu.audit.models import AuditEntry
    from undeu.signatures.models import SignatureEvent
    from undeu.signatures.uncounting import invalidate, withdraw

    moderator = django_user_model.objects.create_user("moderator")
    first = sign_and_confirm(petition, "a@example.com")
    second = sign_and_confirm(petition, "b@example.com")
    sign_and_confirm(petition, "c@example.com")
    assert invalidate(first, actor=moderator, reason="bot")
    assert not invalidate(first, actor=moderator, reason="bot")  # already out
    assert withdraw(second)
    assert not withdraw(second)
    cache.clear()
    assert current_count(petition.pk) == 1
    assert recount(petition.pk) == 0
    kinds = list(SignatureEvent.objects.values_list("kind", flat=True).order_by("id"))
    assert kinds == ["confirmed"] * 3 + ["invalidated", "withdrawn"]
    entry = AuditEntry.objects.get(action="signature.invalidated")
    assert (entry.actor, entry.reason) == (moderator, "bot")
    assert not AuditEntry.objects.filter(action="signature.withdrawn").exists()


def test_a_withdrawn_pending_signature_can_no_longer_be_confirmed(petition):
    from tests.conftest import signature_request
    from undeu.signatures.confirming import Outcome, confirm
    from undeu.signatures.signing import sign
    from undeu.signatures.uncounting import withdraw

    sign(petition.pk, signature_request(), base_url="http://testserver")
    signature = Signature.objects.get()
    assert not withdraw(signature)
    assert confirm(Signature.objects.get()) == Outcome.NOT_COUNTED
    assert stored_count(petition.pk) == 0
