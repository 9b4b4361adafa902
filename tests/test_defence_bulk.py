"""Bulk actions: criteria, a preview, a background run in batches with progress, cancel and
undo; the count follows every step and every step is audit-logged."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from undeu.audit.models import AuditEntry
from undeu.defence import bulk
from undeu.defence.criteria import name_matcher, networks_in, sample
from undeu.defence.models import BulkAction
from undeu.signatures.counting import recount, stored_count
from undeu.signatures.models import Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import Origin, sign

from .conftest import signature_request

pytestmark = pytest.mark.django_db
S = SignatureState
K = BulkAction.Kind


def add(petition, n, *, ip="192.0.2.1", domain="example.org", name="Айгерім Сапарова",
        state=S.CONFIRMED, country="KZ", at=None):  # fmt: skip
    """`n` signatures, counted when confirmed, as signing and confirming would leave them."""
    from undeu.defence.client import network_of
    from undeu.signatures.confirming import confirm

    made = []
    for _ in range(n):
        email = f"s{Signature.objects.count()}@{domain}"
        sign(
            petition.pk,
            signature_request(email, full_name=name, country=country),
            base_url="http://testserver",
            origin=Origin(ip, network_of(ip)),
            flags=["ip-60s"] if state == S.FLAGGED else (),
        )
        signature = Signature.objects.for_email(email).get()
        if at is not None:
            Signature.objects.filter(pk=signature.pk).update(created_at=at)
        if state in (S.CONFIRMED, S.FLAGGED):
            confirm(signature)
        made.append(signature.pk)
    return made


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_user("moderator", "moderator@example.com", None)


def test_criteria_networks_from_16_to_24_and_single_addresses():
    assert networks_in("203.0.113.7") == ("203.0.113.7", [])
    assert networks_in("203.0.113.0/24") == (None, ["203.0.113.0/24"])
    address, networks = networks_in("10.1.0.0/16")
    assert address is None and len(networks) == 256 and networks[1] == "10.1.1.0/24"
    assert networks_in("2001:db8:1:2::/64") == (None, ["2001:db8:1:2::/64"])
    for too_wide_or_narrow in ("10.0.0.0/8", "10.0.0.0/28", "2001:db8::/32", "nonsense", ""):
        with pytest.raises(ValueError):
            networks_in(too_wide_or_narrow)


def test_name_patterns_match_whole_names_without_case_or_spacing():
    matches = name_matcher("test*")
    assert matches("Test Bot 7") and matches("  TEST   user")
    assert not matches("A Test")
    assert name_matcher("* Bot")("Sweet Bot") and not name_matcher("* Bot")("Bottle")
    assert name_matcher("Ай?ерім *")("айгерім Сапарова")


def test_preview_counts_what_would_change_and_changes_nothing(petition):
    add(petition, 3, ip="203.0.113.1")
    add(petition, 2, ip="203.0.113.2", state=S.FLAGGED)
    add(petition, 4, ip="192.0.2.1")
    before = list(Signature.objects.values_list("pk", "state"))
    found = bulk.preview(petition, K.INVALIDATE, {"network": "203.0.113.0/24"})
    assert found == {"total": 5, "counted": 3, "flagged": 2, "pending": 0}
    assert bulk.preview(petition, K.ACCEPT, {"network": "203.0.113.0/24"})["total"] == 2
    assert list(Signature.objects.values_list("pk", "state")) == before


def test_an_invalidation_runs_in_batches_the_count_follows_and_undo_restores_it(
    petition, moderator, settings, django_capture_on_commit_callbacks
):
    settings.UNDEU_BULK_BATCH = 4
    honest = add(petition, 5, ip="192.0.2.1")
    attack = add(petition, 9, ip="203.0.113.9", domain="bots.example")
    add(petition, 2, ip="203.0.113.10", state=S.FLAGGED, domain="bots.example")
    assert stored_count(petition.pk) == 14

    with django_capture_on_commit_callbacks(execute=True):
        action = bulk.start(
            petition, K.INVALIDATE, {"domain": "bots.example"}, actor=moderator, reason="botnet"
        )
    action.refresh_from_db()
    assert action.state == BulkAction.State.DONE
    assert (action.expected, action.changed, action.count_change) == (11, 11, -9)
    assert stored_count(petition.pk) == 5
    assert recount(petition.pk) == 0
    assert set(Signature.objects.filter(state=S.CONFIRMED).values_list("pk", flat=True)) == set(
        honest
    )
    assert SignatureEvent.objects.filter(kind="invalidated").count() == 9

    # One of them moves on meanwhile (its signer took it back): undo leaves it where it is.
    withdrawn = Signature.objects.get(pk=attack[0])
    Signature.objects.filter(pk=withdrawn.pk).update(state=S.WITHDRAWN)

    with django_capture_on_commit_callbacks(execute=True):
        assert bulk.undo(action, actor=moderator)
    action.refresh_from_db()
    assert action.state == BulkAction.State.UNDONE
    assert action.restored == 10
    assert Signature.objects.get(pk=withdrawn.pk).state == S.WITHDRAWN
    assert Signature.objects.filter(state=S.FLAGGED).count() == 2
    assert recount(petition.pk) == 0
    assert stored_count(petition.pk) == 5 + 8
    assert SignatureEvent.objects.filter(kind="reinstated").count() == 8
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["bulk.invalidate", "bulk.done", "bulk.undo", "bulk.undone"]
    assert not bulk.undo(action, actor=moderator)  # once


def test_a_name_pattern_alone_is_matched_in_python_over_the_decrypted_names_batch_by_batch(
    petition, moderator, settings, django_capture_on_commit_callbacks
):
    """Names are encrypted at rest, so no SQL LIKE can find them: the batches read them back and
    match them in Python, and a batch in which no name matches still moves the cursor on."""
    settings.UNDEU_BULK_BATCH = 2
    honest = add(petition, 3, name="Айгерім Сапарова")
    bots = add(petition, 3, name="Test  Bot")
    honest += add(petition, 2, name="Bot Tester")
    bots += add(petition, 1, name="тест БОТ", state=S.FLAGGED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM signatures_signature")
        assert not any("Bot" in name or "БОТ" in name for (name,) in cursor.fetchall())
    criteria = {"name": "test *"}
    assert bulk.preview(petition, K.INVALIDATE, criteria)["total"] == 3
    assert [s.pk for s in sample(petition.pk, criteria, states=[S.CONFIRMED])] == bots[2::-1]

    with django_capture_on_commit_callbacks(execute=True):
        action = bulk.start(petition, K.INVALIDATE, criteria, actor=moderator, reason="bots")
    action.refresh_from_db()
    assert (action.state, action.examined, action.changed) == (BulkAction.State.DONE, 9, 3)
    assert set(Signature.objects.filter(state=S.INVALIDATED).values_list("pk", flat=True)) == set(
        bots[:3]
    )
    assert Signature.objects.get(pk=bots[3]).state == S.FLAGGED  # "тест БОТ" is not "test *"
    assert set(Signature.objects.filter(state=S.CONFIRMED).values_list("pk", flat=True)) == set(
        honest
    )


def test_signatures_made_after_the_start_are_not_touched(petition, moderator, monkeypatch):
    monkeypatch.setattr(bulk, "enqueue", lambda *args, **kwargs: None)
    add(petition, 3, ip="203.0.113.9")
    action = bulk.start(petition, K.INVALIDATE, {"network": "203.0.113.9"}, actor=moderator,
                        reason="x")  # fmt: skip
    later = add(petition, 2, ip="203.0.113.9")
    while bulk.run_batch(action.pk, BulkAction.objects.get(pk=action.pk).cursor):
        pass
    assert set(Signature.objects.filter(pk__in=later).values_list("state", flat=True)) == {
        S.CONFIRMED
    }
    assert Signature.objects.filter(state=S.INVALIDATED).count() == 3


def test_cancel_stops_after_the_batch_being_done_and_what_was_done_can_be_undone(
    petition, moderator, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.UNDEU_BULK_BATCH = 2
    monkeypatch.setattr(bulk, "enqueue", lambda *args, **kwargs: None)
    add(petition, 6, ip="203.0.113.9")
    action = bulk.start(petition, K.INVALIDATE, {"network": "203.0.113.0/24"}, actor=moderator,
                        reason="x")  # fmt: skip
    assert bulk.run_batch(action.pk, 0)
    assert bulk.cancel(action, actor=moderator)
    assert not bulk.cancel(action, actor=moderator)
    action.refresh_from_db()
    assert not bulk.run_batch(action.pk, action.cursor)
    action.refresh_from_db()
    assert action.state == BulkAction.State.CANCELLED
    assert action.changed == 2
    assert stored_count(petition.pk) == 4
    assert bulk.undo(action, actor=moderator)
    while bulk.undo_batch(action.pk, BulkAction.objects.get(pk=action.pk).undo_cursor):
        pass
    assert stored_count(petition.pk) == 6
    assert BulkAction.objects.get(pk=action.pk).state == BulkAction.State.UNDONE


def test_a_duplicate_batch_task_does_nothing(petition, moderator, monkeypatch):
    monkeypatch.setattr(bulk, "enqueue", lambda *args, **kwargs: None)
    add(petition, 3, ip="203.0.113.9")
    action = bulk.start(petition, K.INVALIDATE, {"network": "203.0.113.9"}, actor=moderator,
                        reason="x")  # fmt: skip
    assert bulk.run_batch(action.pk, 0)
    assert not bulk.run_batch(action.pk, 0)  # another worker already did this one
    assert BulkAction.objects.get(pk=action.pk).changed == 3


def test_a_lost_chain_is_resumed(petition, moderator, monkeypatch):
    enqueued = []
    monkeypatch.setattr(bulk, "enqueue", lambda *args, **kwargs: enqueued.append(args))
    add(petition, 1, ip="203.0.113.9")
    action = bulk.start(petition, K.INVALIDATE, {"network": "203.0.113.9"}, actor=moderator,
                        reason="x")  # fmt: skip
    assert bulk.resume_stalled() == 0  # not stalled yet
    BulkAction.objects.filter(pk=action.pk).update(
        progressed_at=timezone.now() - timedelta(minutes=5)
    )
    assert bulk.resume_stalled() == 1
    assert enqueued[-1] == (action.pk, 0)


def test_accepting_flagged_in_bulk_counts_the_confirmed_ones(
    petition, moderator, django_capture_on_commit_callbacks
):
    add(petition, 3, ip="203.0.113.9", state=S.FLAGGED)
    add(petition, 1, ip="203.0.113.9", state=S.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        action = bulk.start(petition, K.ACCEPT, {"flagged_only": True}, actor=moderator,
                            reason="a school's network")  # fmt: skip
    action.refresh_from_db()
    assert (action.changed, action.count_change) == (3, 3)
    assert stored_count(petition.pk) == 3
    with django_capture_on_commit_callbacks(execute=True):
        bulk.undo(action, actor=moderator)
    assert stored_count(petition.pk) == 0
    assert Signature.objects.filter(state=S.FLAGGED).count() == 3


def test_every_criterion_narrows(petition):
    now = timezone.now()
    add(petition, 2, ip="203.0.113.9", name="Test Bot", country="VA", at=now - timedelta(hours=3))
    add(petition, 1, ip="203.0.113.9", name="Айгерім Сапарова", country="KZ")
    add(petition, 1, ip="198.51.100.1", name="Test Bot", country="VA", domain="x.example")

    def total(**criteria):
        return bulk.preview(petition, K.INVALIDATE, criteria)["total"]

    assert total(network="203.0.113.0/24") == 3
    assert total(network="203.0.113.9", name="test *") == 2
    assert total(country="VA") == 3
    assert total(domain="x.example") == 1
    assert total(before=(now - timedelta(hours=1)).isoformat()) == 2
    assert total(after=(now - timedelta(hours=1)).isoformat(), country="VA") == 1
    assert total(flagged_only=True) == 0
