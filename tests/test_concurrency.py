"""Real simultaneous requests on PostgreSQL: the database, not luck, keeps one row per person."""

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import signature_request
from tests.race import simultaneously
from undeu.signatures.counting import recount, stored_count
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.signing import sign

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL")


def test_two_identical_signatures_at_once_make_one_row(petition):
    for round_ in range(10):
        email = f"race-{round_}@example.com"

        def post(_, email=email):
            response = Client().post(
                f"/kk/p/{petition.slug}/sign/",
                {"full_name": "Айгерім Сапарова", "email": email, "country": "KZ"},
            )
            return response.status_code

        assert simultaneously(2, post) == [303, 303]
        assert Signature.objects.for_email(email).count() == 1


def test_simultaneous_confirmations_count_once(petition, sign_and_confirm):
    from undeu.signatures.confirming import confirm

    signature = sign_and_confirm(petition, "first@example.com")
    Signature.objects.filter(pk=signature.pk).update(state=SignatureState.PENDING)
    recount(petition.pk)
    assert stored_count(petition.pk) == 0

    outcomes = simultaneously(4, lambda _: confirm(Signature.objects.get(pk=signature.pk)).value)
    assert sorted(outcomes).count("confirmed") == 1, outcomes
    assert stored_count(petition.pk) == 1


def test_many_confirmations_at_once_lose_no_count(petition):
    from tests.conftest import signature_request
    from undeu.signatures.confirming import confirm
    from undeu.signatures.signing import sign

    for i in range(16):
        sign(petition.pk, signature_request(f"p{i}@example.com"), base_url="http://testserver")
    ids = list(Signature.objects.values_list("pk", flat=True))
    simultaneously(len(ids), lambda i: confirm(Signature.objects.get(pk=ids[i])).value)
    assert stored_count(petition.pk) == 16
    assert recount(petition.pk) == 0


def test_confirmations_invalidations_and_withdrawals_racing_keep_the_count_true(
    petition, settings, django_user_model
):
    """A surge with removals racing the confirmations: the shown count is the truth, the
    recount finds no drift, and goal and threshold follow the count down."""
    from undeu.delivery.thresholds import threshold_context
    from undeu.petitions.goals import next_goal
    from undeu.signatures.confirming import confirm
    from undeu.signatures.uncounting import invalidate, withdraw

    settings.UNDEU_THRESHOLDS = [(50, "response")]
    moderator = django_user_model.objects.create_user("moderator")
    for i in range(60):
        sign(petition.pk, signature_request(f"s{i}@example.com"), base_url="http://testserver")
    ids = list(Signature.objects.order_by("id").values_list("pk", flat=True))

    def act(i):
        signature = Signature.objects.get(pk=ids[i % 60])
        if i < 60:
            return confirm(signature).value
        if i < 75:
            return invalidate(signature, actor=moderator, reason="bot")
        return withdraw(signature)

    # 60 confirmations, 15 invalidations and 10 withdrawals of the first signatures, all at once.
    results = simultaneously(85, act)
    assert not [r for r in results if isinstance(r, Exception)], results
    truth = Signature.objects.filter(petition=petition, state=SignatureState.CONFIRMED).count()
    assert stored_count(petition.pk) == truth
    assert recount(petition.pk) == 0
    assert truth <= 60
    state = threshold_context(petition, truth)["threshold_state"]
    assert bool(state) == (truth >= 50)
    assert next_goal(truth) == (50 if truth < 50 else 100)


def test_recounts_racing_confirmations_repair_drift_and_lose_nothing(petition):
    """Recounts read a snapshot and add the difference: one running beside confirmations and
    other recounts neither loses a confirmation nor repairs the same drift twice."""
    from undeu.signatures.confirming import confirm
    from undeu.signatures.models import CountShard

    for i in range(30):
        sign(petition.pk, signature_request(f"r{i}@example.com"), base_url="http://testserver")
    ids = list(Signature.objects.order_by("id").values_list("pk", flat=True))
    confirm(Signature.objects.get(pk=ids[0]))
    CountShard.objects.filter(petition=petition).update(value=3)  # drift: 8 × 3 for 1

    def act(i):
        if i < 30:
            return confirm(Signature.objects.get(pk=ids[i])).value
        return recount(petition.pk)

    results = simultaneously(40, act)  # 29 new confirmations and 10 recounts at once
    assert not [r for r in results if isinstance(r, Exception)], results
    assert recount(petition.pk) == 0
    assert stored_count(petition.pk) == 30
