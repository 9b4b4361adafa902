from datetime import timedelta

import pytest
from django.utils import timezone

from undeu.audit.models import AuditEntry
from undeu.petitions.lifecycle import TransitionRefused, close_expired, transition
from undeu.petitions.models import PetitionState

pytestmark = pytest.mark.django_db


def test_a_transition_changes_state_and_is_audited(make_petition, django_user_model):
    moderator = django_user_model.objects.create_user("moderator", "m@example.com", "x")
    petition = make_petition("queued", state=PetitionState.SUBMITTED)
    transition(petition, "reject", actor=moderator, reason="duplicate", note="see #1")
    assert petition.state == PetitionState.REJECTED
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason, entry.note) == (
        "petition.reject",
        moderator,
        "duplicate",
        "see #1",
    )
    assert entry.data == {"previous_state": "submitted", "state": "rejected"}


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", "approve"),
        ("open", "approve"),
        ("closed", "close"),
        ("draft", "take_down"),
        ("rejected", "approve"),
        ("open", "submit"),
    ],
)
def test_forbidden_transitions_are_refused_and_not_audited(make_petition, state, action):
    petition = make_petition("p", state=state)
    with pytest.raises(TransitionRefused):
        transition(petition, action)
    petition.refresh_from_db()
    assert petition.state == state
    assert not AuditEntry.objects.exists()


def test_the_deadline_closes_a_petition(make_petition):
    due = make_petition("due", deadline=timezone.now() - timedelta(minutes=1))
    later = make_petition("later", deadline=timezone.now() + timedelta(days=1))
    assert close_expired() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.state == PetitionState.CLOSED and due.closed_at
    assert later.state == PetitionState.OPEN
    assert AuditEntry.objects.get().actor is None


def test_a_removed_petition_answers_410_with_the_reason(client, make_petition):
    petition = make_petition("gone")
    reason = "Unlawful content"
    transition(petition, "take_down", reason=reason, moderation_reason=reason)
    for path in ("/ru/p/gone/", "/ru/p/gone/all/", "/ru/p/gone/check-email/"):
        response = client.get(path)
        assert response.status_code == 410
        assert "Unlawful content" in response.content.decode()
    assert client.post("/ru/p/gone/sign/", {}).status_code == 410
