"""The quick confirmation: the POST behind the email's link, for a pending signature on an open
petition, in one statement (PostgreSQL) or one short transaction (SQLite), answered in the
signing lane; everything else goes on to the full path, which answers it as before."""

import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import IntegrityError
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import signature_request
from tests.race import simultaneously
from undeu.signatures import confirming, views
from undeu.signatures.confirming import confirm_quickly
from undeu.signatures.counting import current_count, recount, stored_count
from undeu.signatures.lane import FORM
from undeu.signatures.models import CountShard, Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import sign, token_digest

pytestmark = pytest.mark.usefixtures("no_limits")


def pending(petition, email="aigerim@example.com", **changes) -> tuple[Signature, str]:
    """A signature and the token of its email's link (known here: a real one is only ever in
    the email)."""
    sign(petition.pk, signature_request(email), base_url="http://testserver")
    token = secrets.token_urlsafe(32)
    signature = Signature.objects.for_email(email).get(petition=petition)
    Signature.objects.filter(pk=signature.pk).update(token_digest=token_digest(token), **changes)
    signature.refresh_from_db()
    return signature, token


def confirm_by_post(client, token, language="kk", **headers):
    """As a browser posts the confirmation form: urlencoded, with nothing in it (the test
    client sends no Content-Type for an empty body; a browser does)."""
    headers = {"CONTENT_TYPE": FORM, "CONTENT_LENGTH": "0", **headers}
    return client.post(f"/{language}/confirm/{token}/", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_pending_signature_is_confirmed_in_the_lane(client, petition, watched, language):
    signature, token = pending(petition)
    response = confirm_by_post(client, token, language)
    assert response.status_code == 303
    assert response["Location"] == f"/{language}/confirm/{token}/"
    assert response["Content-Language"] == language
    assert watched == []
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED
    assert signature.confirmed_at is not None
    event = SignatureEvent.objects.get()
    assert (event.petition_id, event.signature_id, event.kind, event.at) == (
        petition.pk,
        signature.pk,
        SignatureEvent.Kind.CONFIRMED,
        signature.confirmed_at,
    )
    assert stored_count(petition.pk) == 1
    # The page it is sent to shows the signer in the count.
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'value="1"' in page.content.decode()


@pytest.mark.django_db
def test_the_lanes_answer_is_the_full_paths(settings, make_petition, monkeypatch):
    """The same status, address and headers as the whole stack gives, and the same rows as
    `confirm` writes through the ORM (the second pass has no lane and no quick path). Each pass
    has a client of its own: a client builds its middleware once, on its first request."""
    answers, rows = [], []
    without_lane = [m for m in settings.MIDDLEWARE if not m.endswith("SigningLaneMiddleware")]
    for number, middleware in enumerate([settings.MIDDLEWARE, without_lane]):
        if number:
            monkeypatch.setattr(views, "confirm_quickly", lambda token: None)
        petition = make_petition(f"park-{number}")
        signature, token = pending(petition)
        with override_settings(MIDDLEWARE=middleware):
            response = confirm_by_post(Client(), token)
        headers = dict(response.headers)
        headers["Location"] = headers["Location"].replace(token, "<token>")
        # CommonMiddleware writes the length of the empty body; the lane leaves that to the
        # server, which sends the body in one piece (core/page_cache.in_one_piece).
        headers.pop("Content-Length", None)
        answers.append((response.status_code, headers))
        signature.refresh_from_db()
        rows.append(
            (
                signature.state,
                signature.confirmed_at is not None,
                stored_count(petition.pk),
                [
                    (
                        event.signature_id == signature.pk,
                        event.kind,
                        event.at == signature.confirmed_at,
                    )
                    for event in SignatureEvent.objects.filter(petition=petition)
                ],
            )
        )
    assert answers[0] == answers[1]
    assert rows[0] == rows[1]
    assert rows[0] == (SignatureState.CONFIRMED, True, 1, [(True, "confirmed", True)])


@pytest.mark.django_db
def test_confirming_twice_counts_once_and_the_second_goes_on_to_the_full_path(
    client, petition, watched
):
    _signature, token = pending(petition)
    assert confirm_by_post(client, token).status_code == 303
    second = confirm_by_post(client, token)
    assert second.status_code == 303  # the full path: already confirmed, the same answer
    assert watched == [f"/kk/confirm/{token}/"]
    assert stored_count(petition.pk) == 1
    assert SignatureEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_count_is_forgotten_when_a_confirmation_commits(client, petition):
    _signature, token = pending(petition)
    assert current_count(petition.pk) == 0  # kept for a second
    confirm_by_post(client, token)
    assert current_count(petition.pk) == 1


@pytest.mark.django_db
def test_the_first_confirmation_makes_a_shard_and_the_recount_agrees(client, petition):
    assert not CountShard.objects.exists()
    _signature, token = pending(petition)
    confirm_by_post(client, token)
    assert CountShard.objects.filter(petition=petition).count() == 1
    assert recount(petition.pk) == 0
    # A drift to repair: the recount makes the other shards and repairs on shard 0.
    CountShard.objects.filter(petition=petition).update(value=5)
    assert recount(petition.pk) == -4
    assert stored_count(petition.pk) == 1


@pytest.mark.django_db
def test_other_signatures_are_answered_by_the_full_path(client, make_petition, watched):
    """Flagged, withdrawn or invalidated signatures, closed (within the grace period or past
    it) and taken-down petitions, unknown and overlong tokens: the quick path changes nothing
    and the full path answers as it always has."""
    petition = make_petition("open")
    now = timezone.now()
    cases = {
        "flagged": (pending(petition, "f@example.com", state=SignatureState.FLAGGED), 303),
        "withdrawn": (pending(petition, "w@example.com", state=SignatureState.WITHDRAWN), 410),
        "invalid": (pending(petition, "i@example.com", state=SignatureState.INVALIDATED), 410),
        "grace": (
            pending(make_petition("grace", state="closed", closed_at=now - timedelta(hours=1))),
            303,
        ),
        "closed": (
            pending(make_petition("late", state="closed", closed_at=now - timedelta(days=30))),
            410,
        ),
        "removed": (pending(make_petition("removed", state="removed")), 410),
    }
    for name, ((signature, token), status) in cases.items():
        response = confirm_by_post(client, token)
        assert response.status_code == status, name
        assert watched[-1] == f"/kk/confirm/{token}/", name
        signature.refresh_from_db()
        if name in ("flagged", "grace"):  # confirmed by the full path, as before
            assert signature.confirmed_at is not None, name
        else:
            assert signature.confirmed_at is None, name
    # Only the grace period's confirmation is counted; the flagged one waits for a moderator.
    counted = SignatureEvent.objects.values_list("signature_id", flat=True)
    assert list(counted) == [cases["grace"][0][0].pk]
    for token in ("", "x" * 101, "no-such-token", "<script>alert(1)</script>", "ТОКЕН"):
        assert confirm_quickly(token) is None
    assert confirm_by_post(client, "no-such-token").status_code == 404
    assert confirm_by_post(client, "x" * 5000).status_code == 404
    assert confirm_by_post(client, "a%00b").status_code == 400  # a NUL byte in the address


@pytest.mark.django_db
def test_a_signed_in_or_cross_site_confirmation_takes_the_whole_stack(
    client, petition, watched, starter
):
    first, cross_site = pending(petition, "a@example.com")
    response = confirm_by_post(client, cross_site, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    _second, signed_in = pending(petition, "b@example.com")
    client.force_login(starter)
    assert confirm_by_post(client, signed_in).status_code == 303
    assert len(watched) == 2
    first.refresh_from_db()
    assert first.state == SignatureState.PENDING
    assert stored_count(petition.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_part_way_changes_nothing(petition, monkeypatch):
    """The signature, its count and its event are one change: if the record cannot be written
    (here, a kind the table refuses), the signature is still pending and nothing is counted."""
    signature, token = pending(petition)
    monkeypatch.setattr(confirming, "CONFIRMED_EVENT", None)
    with pytest.raises(IntegrityError):
        confirm_quickly(token)
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING and signature.confirmed_at is None
    assert stored_count(petition.pk) == 0 and not SignatureEvent.objects.exists()
    monkeypatch.undo()
    assert confirm_quickly(token) == petition.pk
    assert stored_count(petition.pk) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_clicks_on_one_link_count_once(petition):
    _signature, token = pending(petition)
    answers = simultaneously(6, lambda _: confirm_by_post(Client(), token).status_code)
    assert answers == [303] * 6
    assert stored_count(petition.pk) == 1
    assert SignatureEvent.objects.count() == 1
    assert recount(petition.pk) == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_confirmations_at_once_with_recounts_lose_no_count(petition):
    tokens = [pending(petition, f"m{i}@example.com")[1] for i in range(24)]

    def act(i):
        if i < len(tokens):
            return confirm_by_post(Client(), tokens[i]).status_code
        return recount(petition.pk)

    results = simultaneously(len(tokens) + 6, act)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[: len(tokens)] == [303] * len(tokens)
    assert recount(petition.pk) == 0
    assert stored_count(petition.pk) == 24
    assert SignatureEvent.objects.count() == 24
    cache.clear()
    assert current_count(petition.pk) == 24


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_quick_confirmations_racing_invalidations_and_withdrawals_keep_the_count_true(
    petition, settings, django_user_model
):
    """Issue 4's surge, with the confirmations taking the lane: the shown count is the truth, the
    recount finds no drift, and goal and threshold follow the count."""
    from undeu.delivery.thresholds import threshold_context
    from undeu.petitions.goals import next_goal
    from undeu.signatures.uncounting import invalidate, withdraw

    settings.UNDEU_THRESHOLDS = [(50, "response")]
    moderator = django_user_model.objects.create_user("moderator")
    signed = [pending(petition, f"s{i}@example.com") for i in range(60)]

    def act(i):
        signature, token = signed[i % 60]
        if i < 60:
            return confirm_by_post(Client(), token).status_code
        signature = Signature.objects.get(pk=signature.pk)
        if i < 75:
            return invalidate(signature, actor=moderator, reason="bot")
        return withdraw(signature)

    # 60 confirmations, 15 invalidations and 10 withdrawals of the first signatures, all at once.
    results = simultaneously(85, act)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert set(results[:60]) <= {303, 410}  # 410: withdrawn or invalidated before the click
    truth = Signature.objects.filter(petition=petition, state=SignatureState.CONFIRMED).count()
    assert stored_count(petition.pk) == truth
    assert recount(petition.pk) == 0
    assert truth >= 60 - 25
    confirmed_events = SignatureEvent.objects.filter(kind=SignatureEvent.Kind.CONFIRMED).count()
    removed_events = SignatureEvent.objects.exclude(kind=SignatureEvent.Kind.CONFIRMED).count()
    assert confirmed_events - removed_events == truth
    cache.clear()
    assert current_count(petition.pk) == truth
    state = threshold_context(petition, truth)["threshold_state"]
    assert bool(state) == (truth >= 50)
    assert next_goal(truth) == (50 if truth < 50 else 100)
