"""Real simultaneous requests on PostgreSQL: the database, not luck, keeps one row per person."""

import pytest
from django.db import connection
from django.test import Client

from tests.race import simultaneously
from undeu.signatures.counting import recount, stored_count
from undeu.signatures.models import Signature, SignatureState

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
        assert Signature.objects.filter(email=email).count() == 1


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
        sign(petition, signature_request(f"p{i}@example.com"), base_url="http://testserver")
    ids = list(Signature.objects.values_list("pk", flat=True))
    simultaneously(len(ids), lambda i: confirm(Signature.objects.get(pk=ids[i])).value)
    assert stored_count(petition.pk) == 16
    assert recount(petition.pk) == 0
