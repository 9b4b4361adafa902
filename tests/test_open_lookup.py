"""Each process keeps which petitions are open for signing (petitions/open_lookup.py): a surge
reads the petition once per UNDEU_DEFENCE_REFRESH_SECONDS, and a change made here applies at
once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_signing import post_signature
from undeu.defence import modes
from undeu.petitions import open_lookup
from undeu.petitions.lifecycle import close, transition
from undeu.petitions.models import DefenceMode, Petition
from undeu.signatures.models import Signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """open_lookup's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(open_lookup, "monotonic", lambda: now[0])
    return now


def petition_reads(queries) -> int:
    table = connection.ops.quote_name(Petition._meta.db_table)
    return sum(1 for q in queries.captured_queries if f"FROM {table} WHERE" in q["sql"])


def sign_twice(client, petition) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        assert post_signature(client, petition, email="first@example.com").status_code == 303
        assert post_signature(client, petition, email="second@example.com").status_code == 303
    return queries


def test_a_surge_reads_the_petition_once(client, petition, clock):
    assert petition_reads(sign_twice(client, petition)) == 1
    assert Signature.objects.count() == 2


def test_the_petition_is_read_again_once_the_time_has_passed(client, petition, clock, settings):
    settings.UNDEU_DEFENCE_REFRESH_SECONDS = 2
    assert open_lookup.open_petition(petition.slug) == (petition.pk, DefenceMode.OFF)
    clock[0] += 1.9
    with CaptureQueriesContext(connection) as kept:
        open_lookup.open_petition(petition.slug)
    clock[0] += 0.2
    with CaptureQueriesContext(connection) as read:
        open_lookup.open_petition(petition.slug)
    assert (len(kept), len(read)) == (0, 1)


def test_closing_here_refuses_the_next_signature_at_once(client, petition, clock):
    assert post_signature(client, petition, email="first@example.com").status_code == 303
    close(petition)
    response = post_signature(client, petition, email="second@example.com", language="en")
    assert response.status_code == 409
    assert b"no longer accepts signatures" in response.content
    assert Signature.objects.count() == 1


def test_taking_down_here_hides_it_from_signing_at_once(client, petition, clock):
    assert post_signature(client, petition, email="first@example.com").status_code == 303
    transition(petition, "take_down")
    # Removed petitions answer 410 Gone.
    assert post_signature(client, petition, email="second@example.com").status_code == 410
    assert Signature.objects.count() == 1


def test_pausing_here_pauses_the_next_signature_at_once(client, petition, clock):
    assert post_signature(client, petition, email="first@example.com").status_code == 303
    modes.set_petition_mode(petition, DefenceMode.PAUSED)
    assert post_signature(client, petition, email="second@example.com").status_code == 503
    assert Signature.objects.count() == 1


def test_closing_it_in_the_admin_refuses_the_next_signature_at_once(client, petition, clock):
    # The admin's form saves the model, past the transitions.
    assert post_signature(client, petition, email="first@example.com").status_code == 303
    petition.state = "closed"
    petition.save()
    assert post_signature(client, petition, email="second@example.com").status_code == 409
    assert Signature.objects.count() == 1


def test_another_process_closing_it_applies_within_the_refresh_time(
    client, petition, clock, settings
):
    settings.UNDEU_DEFENCE_REFRESH_SECONDS = 2
    assert post_signature(client, petition, email="first@example.com").status_code == 303
    # Another process closes it: nothing tells this one.
    Petition.objects.filter(pk=petition.pk).update(state="closed")
    clock[0] += 1
    # Within the time, a signature is still taken (pending, counted only if confirmed while
    # the petition accepts confirmations), as one is until the deadline job closes it.
    assert post_signature(client, petition, email="second@example.com").status_code == 303
    clock[0] += 1
    assert post_signature(client, petition, email="third@example.com").status_code == 409
    assert Signature.objects.count() == 2


def test_petitions_that_are_not_open_are_read_every_time(make_petition, clock):
    closed = make_petition("closed", state="closed")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert open_lookup.open_petition(closed.slug) is None
            assert open_lookup.open_petition("no-such-petition") is None
    assert len(queries) == 6


def test_made_up_addresses_cannot_grow_the_map_without_bound(make_petition, monkeypatch, clock):
    monkeypatch.setattr(open_lookup, "MAX_KEPT", 2)
    slugs = [make_petition(f"open-{i}").slug for i in range(5)]
    for slug in slugs:
        assert open_lookup.open_petition(slug) is not None
        assert len(open_lookup._kept) <= 2
