"""The moderator's path: the review queue, decisions, the edit lock, abuse reports, the audit log
and the public backlog notice.

Petitions come from the shared world (titles and names with <script> and Cyrillic), so every
page rendered here is also an escaping test.
"""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from tests.conftest import HOSTILE
from tests.race import simultaneously
from undeu.audit.models import AuditEntry
from undeu.mail.compose import compose
from undeu.mail.models import OutgoingEmail
from undeu.moderation import locking, reports, services
from undeu.moderation.backlog import review_backlog
from undeu.moderation.models import AbuseReport, RejectionReason
from undeu.petitions.models import Petition, PetitionState

S = PetitionState
SEEDED = {
    "duplicate",
    "offensive",
    "not-a-petition",
    "unlawful",
    "personal-data",
    "outside-targets-power",
    "spam",
}
FORM = "application/x-www-form-urlencoded"


# --- The world --------------------------------------------------------------------------------


@pytest.fixture
def reasons(db):
    """The seeded reasons (seeded again if a transactional test flushed them)."""
    labels = {
        "duplicate": ("Бұрыннан бар петицияны қайталайды", "Повторяет уже существующую петицию"),
        "unlawful": ("Заңға қайшы мазмұн", "Противоправное содержание"),
        "spam": ("Спам немесе жарнама", "Спам или реклама"),
    }
    made = {}
    for code, (kk, ru) in labels.items():
        made[code], _ = RejectionReason.objects.get_or_create(
            code=code, defaults={"label_kk": kk, "label_ru": ru, "label_en": code.title()}
        )
    return made


def make_user(django_user_model, name, *, staff=False, second_factor=None):
    user = django_user_model.objects.create_user(name, f"{name}@example.com", None, is_staff=staff)
    if second_factor if second_factor is not None else staff:
        # Moderation pages require two-factor authentication (undeu.accounts.middleware).
        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def moderator(django_user_model):
    return make_user(django_user_model, "moderator", staff=True)


@pytest.fixture
def other_moderator(django_user_model):
    return make_user(django_user_model, "dana", staff=True)


@pytest.fixture
def starter(django_user_model):
    return make_user(django_user_model, "starter")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def queued(make_petition, starter):
    """A petition waiting for review, written first in Russian by `starter`."""
    petition = make_petition(
        "queued",
        languages=("ru", "kk"),
        state=S.SUBMITTED,
        starter=starter,
        submitted_at=timezone.now() - timedelta(days=1),
    )
    Petition.objects.filter(pk=petition.pk).update(published_at=None)
    return fresh(petition)


def reviewed(client, petition):
    """Open the review page (which takes the lock) and return the response."""
    response = client.get(f"/en/moderation/p/{petition.slug}/")
    assert response.status_code == 200
    return response


def fresh(petition) -> Petition:
    return Petition.objects.get(pk=petition.pk)


def page(response) -> str:
    return response.content.decode()


def in_language(language, text_function, *args):
    with translation.override(language):
        return str(text_function(*args))


# --- Reasons ----------------------------------------------------------------------------------


def test_the_seeded_reasons_are_labelled_in_every_language(db):
    seeded = RejectionReason.objects.filter(code__in=SEEDED)
    assert {reason.code for reason in seeded} == SEEDED
    for reason in seeded:
        assert reason.active and reason.label_kk and reason.label_ru and reason.label_en
        assert len({reason.label_kk, reason.label_ru, reason.label_en}) == 3


def test_a_reason_label_follows_the_active_language(reasons):
    duplicate = reasons["duplicate"]
    with translation.override("ru"):
        assert duplicate.label() == "Повторяет уже существующую петицию"
    assert duplicate.label("kk") == "Бұрыннан бар петицияны қайталайды"
    assert RejectionReason.label_for_code("duplicate", "ru") == duplicate.label_ru
    assert RejectionReason.label_for_code("no-such-code", "ru") == "no-such-code"


# --- Decisions (use cases) --------------------------------------------------------------------


def test_approving_publishes_releases_the_lock_emails_and_audits(queued, moderator, starter):
    assert locking.claim(queued, moderator)
    services.approve(queued, moderator, base_url="https://undeu.example")
    petition = fresh(queued)
    assert petition.state == S.OPEN
    assert petition.published_at and petition.moderated_at
    assert petition.locked_by is None and petition.locked_until is None

    entry = AuditEntry.objects.get(action="petition.approve")
    assert (entry.actor, entry.petition, entry.data["previous_state"]) == (
        moderator,
        petition,
        "submitted",
    )
    assert timezone.now() - entry.at < timedelta(minutes=1)

    message = OutgoingEmail.objects.get(kind="petition_approved")
    assert (message.to, message.language) == (starter.email, "ru")
    email = compose(message)
    assert "https://undeu.example/ru/p/queued/" in email.body
    assert "Сохраним парк" in email.subject
    assert HOSTILE not in email.alternatives[0][0]


def test_approving_keeps_an_earlier_publication_date(make_petition, moderator):
    published = timezone.now() - timedelta(days=30)
    petition = make_petition("again", state=S.SUBMITTED)
    Petition.objects.filter(pk=petition.pk).update(published_at=published)
    locking.claim(petition, moderator)
    services.approve(petition, moderator)
    assert fresh(petition).published_at == published


def test_rejecting_stores_the_reason_and_tells_the_starter_in_their_language(
    queued, moderator, reasons, starter
):
    locking.claim(queued, moderator)
    services.reject(queued, moderator, reasons["duplicate"], "Такая уже есть: /p/park/")
    petition = fresh(queued)
    assert petition.state == S.REJECTED
    assert (petition.moderation_reason, petition.moderation_note) == (
        "duplicate",
        "Такая уже есть: /p/park/",
    )
    assert petition.moderated_at and petition.locked_by is None

    entry = AuditEntry.objects.get(action="petition.reject")
    assert (entry.actor, entry.reason, entry.note) == (
        moderator,
        "duplicate",
        "Такая уже есть: /p/park/",
    )

    message = OutgoingEmail.objects.get(kind="petition_rejected")
    assert (message.to, message.language) == (starter.email, "ru")
    email = compose(message)
    assert "Повторяет уже существующую петицию" in email.body
    assert "Такая уже есть: /p/park/" in email.body
    assert "Повторяет уже существующую петицию" in email.alternatives[0][0]


def test_a_kazakh_petition_is_rejected_in_kazakh(make_petition, starter, moderator, reasons):
    petition = make_petition("kaz", languages=("kk",), state=S.SUBMITTED, starter=starter)
    locking.claim(petition, moderator)
    services.reject(petition, moderator, reasons["spam"])
    message = OutgoingEmail.objects.get(kind="petition_rejected")
    assert message.language == "kk"
    assert "Спам немесе жарнама" in compose(message).body


def test_a_petition_without_a_starter_account_sends_no_email(make_petition, moderator, reasons):
    petition = make_petition("orphan", state=S.SUBMITTED)
    locking.claim(petition, moderator)
    services.reject(petition, moderator, reasons["spam"])
    assert fresh(petition).state == S.REJECTED
    assert not OutgoingEmail.objects.exists()


def test_restoring_puts_a_rejected_petition_back_in_the_queue(queued, moderator, reasons, client):
    locking.claim(queued, moderator)
    services.reject(queued, moderator, reasons["duplicate"])
    locking.claim(queued, moderator)
    services.restore(queued, moderator, "Не дубликат")
    petition = fresh(queued)
    assert petition.state == S.SUBMITTED
    assert petition.moderation_reason == ""
    assert AuditEntry.objects.get(action="petition.restore").note == "Не дубликат"
    assert OutgoingEmail.objects.filter(kind="petition_restored").count() == 1
    assert "Не дубликат" in compose(OutgoingEmail.objects.get(kind="petition_restored")).body
    assert "/en/moderation/p/queued/" in page(logged_in(moderator).get("/en/moderation/"))


def test_taking_down_answers_410_with_the_reason_in_the_visitors_language(
    petition, starter, moderator, reasons, client
):
    Petition.objects.filter(pk=petition.pk).update(starter=starter)
    AbuseReport.objects.create(petition=petition, reason="illegal", text="…")
    locking.claim(petition, moderator)
    services.take_down(fresh(petition), moderator, reasons["unlawful"], "Решение суда")
    assert fresh(petition).state == S.REMOVED

    for language, label in (("kk", "Заңға қайшы мазмұн"), ("ru", "Противоправное содержание")):
        response = client.get(f"/{language}/p/park/")
        assert response.status_code == 410
        assert label in page(response)
        assert ">unlawful<" not in page(response) and " unlawful</p>" not in page(response)

    assert AbuseReport.objects.get().status == AbuseReport.Status.ACTED
    assert AuditEntry.objects.filter(action="abuse_report.acted", actor=moderator).exists()
    message = OutgoingEmail.objects.get(kind="petition_removed")
    assert message.language == "kk"
    assert "Заңға қайшы мазмұн" in compose(message).body


def test_a_removed_petition_can_be_restored(petition, moderator, reasons):
    locking.claim(petition, moderator)
    services.take_down(petition, moderator, reasons["spam"])
    locking.claim(petition, moderator)
    services.restore(petition, moderator)
    assert fresh(petition).state == S.SUBMITTED


def test_a_starter_cannot_approve_their_own_petition(queued, starter):
    starter.is_staff = True
    starter.save()
    locking.claim(queued, starter)
    with pytest.raises(services.OwnPetition):
        services.approve(queued, starter)
    assert fresh(queued).state == S.SUBMITTED
    assert not AuditEntry.objects.exists() and not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("state", [S.OPEN, S.DRAFT, S.CLOSED, S.REJECTED])
def test_only_a_submitted_petition_can_be_approved(make_petition, moderator, state):
    petition = make_petition("p", state=state)
    locking.claim(petition, moderator)
    with pytest.raises(services.StateChanged):
        services.approve(petition, moderator)
    assert fresh(petition).state == state
    assert not AuditEntry.objects.exists() and not OutgoingEmail.objects.exists()


def test_a_draft_cannot_be_taken_down_or_restored(make_petition, moderator, reasons):
    petition = make_petition("p", state=S.DRAFT)
    locking.claim(petition, moderator)
    with pytest.raises(services.StateChanged):
        services.take_down(petition, moderator, reasons["spam"])
    with pytest.raises(services.StateChanged):
        services.restore(petition, moderator)
    assert fresh(petition).state == S.DRAFT


def test_every_decision_requires_holding_the_lock(queued, moderator, other_moderator, reasons):
    with pytest.raises(services.LockNotHeld):
        services.approve(queued, moderator)
    assert locking.claim(queued, other_moderator)
    with pytest.raises(services.LockNotHeld):
        services.reject(queued, moderator, reasons["spam"])
    assert fresh(queued).state == S.SUBMITTED


# --- The lock ---------------------------------------------------------------------------------


def test_a_lock_is_claimed_when_free_expired_or_already_yours(queued, moderator, other_moderator):
    assert locking.claim(queued, moderator)
    assert fresh(queued).locked_until > timezone.now() + timedelta(minutes=14)
    assert locking.claim(queued, moderator)  # renewing your own
    assert not locking.claim(queued, other_moderator)
    assert fresh(queued).locked_by == moderator

    Petition.objects.filter(pk=queued.pk).update(locked_until=timezone.now() - timedelta(1))
    assert locking.claim(queued, other_moderator)
    assert fresh(queued).locked_by == other_moderator

    locking.release(queued, moderator)  # not the holder: nothing happens
    assert fresh(queued).locked_by == other_moderator
    locking.release(queued, other_moderator)
    assert fresh(queued).locked_by is None


def test_the_lock_lasts_as_configured(queued, moderator, settings):
    settings.UNDEU_MODERATION_LOCK_MINUTES = 3
    locking.claim(queued, moderator)
    left = fresh(queued).locked_until - timezone.now()
    assert timedelta(minutes=2) < left <= timedelta(minutes=3)


def test_a_second_moderator_sees_who_reviews_until_when_and_cannot_act(
    queued, moderator, other_moderator
):
    reviewed(logged_in(moderator), queued)
    until = timezone.localtime(fresh(queued).locked_until).strftime("%H:%M")
    second = logged_in(other_moderator)

    html = page(reviewed(second, queued))
    assert f"Being reviewed by moderator until {until}" in html
    assert "/moderation/p/queued/approve/" not in html
    assert fresh(queued).locked_by == moderator

    response = second.post("/en/moderation/p/queued/approve/")
    assert response.status_code == 409
    assert gettext(str(services.LockNotHeld.message)) in page(response)
    assert fresh(queued).state == S.SUBMITTED

    assert f"Being reviewed by moderator until {until}" in page(second.get("/en/moderation/"))


def test_leaving_a_review_frees_the_petition(queued, moderator, other_moderator):
    first = logged_in(moderator)
    reviewed(first, queued)
    assert first.post("/en/moderation/p/queued/release/").status_code == 303
    assert fresh(queued).locked_by is None
    reviewed(logged_in(other_moderator), queued)
    assert fresh(queued).locked_by == other_moderator


# --- Pages and permissions --------------------------------------------------------------------

STAFF_PAGES = [
    "/en/moderation/",
    "/en/moderation/p/queued/",
    "/en/moderation/reports/",
    "/en/moderation/audit/",
]
STAFF_POSTS = [
    "/en/moderation/p/queued/approve/",
    "/en/moderation/p/queued/reject/",
    "/en/moderation/p/queued/restore/",
    "/en/moderation/p/queued/take-down/",
    "/en/moderation/p/queued/release/",
    "/en/moderation/reports/1/dismiss/",
    "/en/moderation/reports/1/take-down/",
]


def test_anonymous_visitors_are_sent_to_sign_in(client, queued):
    for path in STAFF_PAGES + STAFF_POSTS:
        response = client.post(path) if path in STAFF_POSTS else client.get(path)
        assert response.status_code == 302, path
        assert "/accounts/login/" in response["Location"]
    assert fresh(queued).locked_by is None


def test_people_who_are_not_moderators_get_403(queued, starter, django_user_model):
    someone = logged_in(make_user(django_user_model, "reader"))
    for path in STAFF_PAGES:
        response = someone.get(path)
        assert response.status_code == 403, path
        assert gettext("This page is for moderators") in page(response)
    for path in STAFF_POSTS:
        assert someone.post(path).status_code == 403, path
    assert fresh(queued).state == S.SUBMITTED and fresh(queued).locked_by is None


def test_the_moderate_permission_opens_the_pages_to_non_staff(queued, django_user_model):
    user = make_user(django_user_model, "volunteer", second_factor=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    client = logged_in(user)
    for path in STAFF_PAGES:
        assert client.get(path).status_code == 200, path


def test_moderation_pages_are_never_cached(queued, moderator):
    response = logged_in(moderator).get("/en/moderation/")
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


def test_the_queue_lists_oldest_first_marks_overdue_and_shows_locks(
    make_petition, moderator, other_moderator
):
    now = timezone.now()
    make_petition("fresh", state=S.SUBMITTED, submitted_at=now - timedelta(hours=2))
    old = make_petition("old", state=S.SUBMITTED, submitted_at=now - timedelta(days=12))
    make_petition("middle", state=S.SUBMITTED, submitted_at=now - timedelta(days=4))
    make_petition("public", state=S.OPEN)
    locking.claim(old, other_moderator)

    html = page(logged_in(moderator).get("/en/moderation/"))
    positions = [html.index(f"/en/moderation/p/{slug}/") for slug in ("old", "middle", "fresh")]
    assert positions == sorted(positions)
    assert "/en/moderation/p/public/" not in html
    assert html.count(gettext("Overdue")) == 1
    old_row = html[positions[0] : positions[1]]
    assert gettext("Overdue") in old_row and "Being reviewed by dana until" in old_row
    assert html.count(gettext("Free to review")) == 2
    assert HOSTILE not in html


def test_the_review_page_shows_every_version_targets_and_starter(queued, moderator, starter):
    html = page(reviewed(logged_in(moderator), queued))
    for text in ("Сохраним парк", "Саябақты сақтайық", "Әкімдік ru", "Әкімдік kk"):
        assert text in html
    assert starter.email in html and "Сәуле Қасымова" in html
    assert HOSTILE not in html and 'href="javascript' not in html
    assert 'name="csrfmiddlewaretoken"' in html
    for action in ("approve", "reject"):
        assert f"/en/moderation/p/queued/{action}/" in html
    assert "/take-down/" not in html and "/restore/" not in html


def test_the_review_page_offers_take_down_for_published_and_restore_for_rejected(
    make_petition, moderator
):
    client = logged_in(moderator)
    make_petition("live")
    make_petition("refused", state=S.REJECTED)
    assert "/en/moderation/p/live/take-down/" in page(client.get("/en/moderation/p/live/"))
    assert "/en/moderation/p/refused/restore/" in page(client.get("/en/moderation/p/refused/"))


def test_approving_through_the_page(queued, moderator, client):
    staff = logged_in(moderator)
    reviewed(staff, queued)
    response = staff.post("/en/moderation/p/queued/approve/")
    assert response.status_code == 303 and response["Location"] == "/en/moderation/"
    assert fresh(queued).state == S.OPEN
    assert "Approved and published" in page(staff.get("/en/moderation/"))
    assert client.get("/ru/p/queued/").status_code == 200


def test_rejecting_through_the_page_hides_the_petition(queued, moderator, reasons, client):
    staff = logged_in(moderator)
    reviewed(staff, queued)
    response = staff.post(
        "/en/moderation/p/queued/reject/",
        {"reject-reason": "duplicate", "reject-note": f"См. другую {HOSTILE}"},
    )
    assert response.status_code == 303
    assert fresh(queued).state == S.REJECTED
    assert client.get("/ru/p/queued/").status_code == 404
    assert "queued" not in page(client.get("/ru/petitions/?q=парк"))
    assert HOSTILE not in page(staff.get("/en/moderation/p/queued/"))


def test_a_reject_without_a_reason_or_with_hostile_input_is_a_400(queued, moderator, reasons):
    staff = logged_in(moderator)
    reviewed(staff, queued)
    cases = [
        ({"reject-note": "x"}, "This field is required."),
        ({"reject-reason": "no-such-reason"}, "Choose one of the options."),
        ({"reject-reason": "spam", "reject-note": "a\x00b"}, None),
        ({"reject-reason": "spam", "reject-note": "x" * 10_000}, None),
        ({"reject-reason": "spam", "reject-note": "evil\u202etxt"}, None),
    ]
    for data, message in cases:
        response = staff.post("/en/moderation/p/queued/reject/", data)
        assert response.status_code == 400, data
        assert 'aria-describedby="id_reject-' in page(response)
        if message:
            assert message in page(response)
    assert fresh(queued).state == S.SUBMITTED


def test_a_starter_gets_403_approving_their_own_petition_through_the_page(queued, starter):
    starter.is_staff = True
    starter.save()
    TOTP.activate(starter, generate_totp_secret())
    own = logged_in(starter)
    html = page(reviewed(own, queued))
    assert "/en/moderation/p/queued/approve/" not in html
    response = own.post("/en/moderation/p/queued/approve/")
    assert response.status_code == 403
    assert gettext(str(services.OwnPetition.message)) in page(response)
    assert fresh(queued).state == S.SUBMITTED


@pytest.mark.parametrize("state", [S.OPEN, S.DRAFT])
def test_approving_an_open_or_draft_petition_through_the_page_is_refused(
    make_petition, moderator, state
):
    make_petition("p", state=state)
    staff = logged_in(moderator)
    staff.get("/en/moderation/p/p/")
    response = staff.post("/en/moderation/p/p/approve/")
    assert response.status_code == 409
    assert Petition.objects.get(slug="p").state == state
    assert not AuditEntry.objects.exists()


def test_taking_down_through_the_page(petition, moderator, reasons, client):
    staff = logged_in(moderator)
    reviewed(staff, petition)
    response = staff.post(
        "/en/moderation/p/park/take-down/", {"take_down-reason": "unlawful", "take_down-note": ""}
    )
    assert response.status_code == 303
    response = client.get("/ru/p/park/")
    assert response.status_code == 410 and "Противоправное содержание" in page(response)


def test_restoring_through_the_page(make_petition, moderator):
    make_petition("refused", state=S.REJECTED)
    staff = logged_in(moderator)
    staff.get("/en/moderation/p/refused/")
    assert staff.post("/en/moderation/p/refused/restore/", {"restore-note": ""}).status_code == 303
    assert Petition.objects.get(slug="refused").state == S.SUBMITTED


def test_unknown_petitions_and_methods(moderator):
    staff = logged_in(moderator)
    assert staff.get("/en/moderation/p/nothing-here/").status_code == 404
    assert staff.post("/en/moderation/p/nothing-here/approve/").status_code == 404
    assert staff.get("/en/moderation/p/nothing-here/approve/").status_code == 405


def test_staff_without_a_second_factor_are_sent_to_set_one_up(queued, django_user_model):
    staff = logged_in(make_user(django_user_model, "newstaff", staff=True, second_factor=False))
    response = staff.get("/en/moderation/")
    assert response.status_code == 302 and "/moderation/" not in response["Location"]


# --- Audit log page ---------------------------------------------------------------------------


def test_the_audit_log_lists_who_did_what_when_and_why(queued, make_petition, moderator, reasons):
    other = make_petition("other", state=S.SUBMITTED)
    locking.claim(other, moderator)
    services.approve(other, moderator)
    locking.claim(queued, moderator)
    services.reject(queued, moderator, reasons["duplicate"], f"note {HOSTILE}")
    staff = logged_in(moderator)

    html = page(staff.get("/en/moderation/audit/"))
    assert html.index(">queued<") < html.index(">other<")  # latest first
    assert "Rejected" in html and "Approved" in html and "<td>moderator</td>" in html
    assert "Duplicate" in html and HOSTILE not in html

    filtered = page(staff.get("/en/moderation/audit/?petition=other"))
    assert ">other<" in filtered and ">queued<" not in filtered
    assert staff.get("/en/moderation/audit/?petition=" + "я" * 500).status_code == 200
    assert staff.get("/en/moderation/audit/?page=x").status_code == 200


def test_the_audit_log_is_paginated(moderator, make_petition):
    petition = make_petition("busy")
    for _ in range(60):
        AuditEntry.objects.create(action="petition.close", petition=petition)
    staff = logged_in(moderator)
    assert page(staff.get("/en/moderation/audit/")).count("<tr>") == 51  # header + 50
    assert page(staff.get("/en/moderation/audit/?page=2")).count("<tr>") == 11


# --- The backlog notice -----------------------------------------------------------------------


def backlog_sentence(language, days):
    with translation.override(language):
        return ngettext(
            "Many petitions are waiting for review. Petitions are currently reviewed within "
            "about %(days)s day.",
            "Many petitions are waiting for review. Petitions are currently reviewed within "
            "about %(days)s days.",
            days,
        ) % {"days": days}


def test_no_backlog_notice_for_a_short_fresh_queue(make_petition, client):
    make_petition("new", state=S.SUBMITTED, submitted_at=timezone.now() - timedelta(days=1))
    backlog = review_backlog()
    assert (backlog.waiting, backlog.is_long) == (1, False)
    assert "backlog-notice" not in page(client.get("/en/"))


def test_the_home_page_says_how_long_reviews_take_when_the_oldest_waits(make_petition, client):
    make_petition("new", state=S.SUBMITTED, submitted_at=timezone.now() - timedelta(days=1))
    make_petition(
        "old", state=S.SUBMITTED, submitted_at=timezone.now() - timedelta(days=6, hours=2)
    )
    backlog = review_backlog()
    assert (backlog.waiting, backlog.review_days, backlog.is_long) == (2, 7, True)
    for language in ("kk", "ru", "en"):
        assert backlog_sentence(language, 7) in page(client.get(f"/{language}/"))


def test_the_notice_shows_when_the_queue_is_long(make_petition, client, settings):
    settings.UNDEU_BACKLOG_NOTICE_QUEUE = 2
    for i in range(3):
        make_petition(f"q{i}", state=S.SUBMITTED, submitted_at=timezone.now())
    backlog = review_backlog(use_cache=False)
    assert backlog.waiting == 3 and backlog.is_long
    assert backlog_sentence("en", 1) in page(client.get("/en/"))


def test_the_backlog_is_computed_once_a_minute(make_petition, django_assert_num_queries):
    review_backlog()
    with django_assert_num_queries(0):
        review_backlog()


# --- Abuse reports from readers ---------------------------------------------------------------


def report(client, data, *, slug="park", address="203.0.113.7", language="en", **extra):
    return client.post(
        f"/{language}/p/{slug}/report/", data, REMOTE_ADDR=address, content_type=FORM, **extra
    )


def encoded(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


def test_the_petition_page_links_to_the_report_form(petition, client):
    html = page(client.get("/kk/p/park/"))
    assert "/kk/p/park/report/" in html
    response = client.get("/kk/p/park/report/")
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' not in page(response)
    assert "public" in response["Cache-Control"]


def test_a_report_is_stored_without_anything_about_the_reporter(petition, client):
    response = report(client, encoded({"reason": "spam", "text": f"Реклама {HOSTILE}"}))
    assert response.status_code == 303
    assert response["Location"] == "/en/p/park/report/sent/"
    stored = AbuseReport.objects.get()
    assert (stored.reason, stored.status, stored.text) == ("spam", "open", f"Реклама {HOSTILE}")
    field_names = {field.name for field in AbuseReport._meta.get_fields()}
    assert not field_names & {"ip", "address", "email", "user", "reporter"}
    assert "203.0.113.7" not in str(AbuseReport.objects.values().get())
    assert client.get("/en/p/park/report/sent/").status_code == 200


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_reports_are_rate_limited_per_address_and_petition(petition, make_petition, language):
    client = Client()
    data = encoded({"reason": "offensive", "text": ""})
    for _ in range(reports.PER_PETITION_LIMIT):
        assert report(client, data, language=language).status_code == 303
    limited = report(client, data, language=language)
    assert limited.status_code == 429
    assert in_language(language, gettext, "Too many reports") in page(limited)
    assert "no-store" in limited["Cache-Control"] or "no-cache" in limited["Cache-Control"]
    assert AbuseReport.objects.count() == reports.PER_PETITION_LIMIT
    # Another reader, or the same reader about another petition, is not limited.
    assert report(client, data, address="198.51.100.1", language=language).status_code == 303
    make_petition("other")
    assert report(client, data, slug="other", language=language).status_code == 303


def test_one_address_has_an_overall_limit(make_petition):
    client = Client()
    data = encoded({"reason": "spam"})
    for i in range(reports.PER_ADDRESS_LIMIT):
        make_petition(f"p{i}", languages=("en",))
        assert report(client, data, slug=f"p{i}").status_code == 303
    make_petition("one-more", languages=("en",))
    assert report(client, data, slug="one-more").status_code == 429


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "spam", "text": "a\x00b"}, "Use letters, digits, spaces and punctuation only."),
        ({"reason": "spam", "text": "x" * 10_000}, None),
        ({"reason": "spam", "text": "right\u202eleft"}, None),
        ({"reason": "other", "text": "   "}, "Describe the problem."),
        ({"reason": "<script>", "text": "x"}, "Choose one of the options."),
        ({"text": "x"}, "This field is required."),
        ({}, "This field is required."),
    ],
)
def test_hostile_or_invalid_reports_are_a_400_with_a_message(petition, client, data, message):
    response = report(client, encoded(data), language="ru")
    assert response.status_code == 400
    html = page(response)
    with translation.override("ru"):
        if message:
            assert gettext(message) in html
        else:
            assert 'class="error"' in html
    assert 'aria-describedby="id_' in html and '_error"' in html
    assert "<script>" not in html.split("<main", 1)[1]
    assert not AbuseReport.objects.exists()


def test_too_long_text_names_the_limit(petition, client):
    response = report(client, encoded({"reason": "spam", "text": "x" * 10_000}))
    assert "Use at most 2000 characters." in page(response)


def test_a_cross_site_report_is_refused(petition, client):
    response = report(client, encoded({"reason": "spam"}), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not AbuseReport.objects.exists()


def test_only_public_petitions_can_be_reported(make_petition, client, moderator, reasons):
    make_petition("waiting", state=S.SUBMITTED)
    assert report(client, encoded({"reason": "spam"}), slug="waiting").status_code == 404
    gone = make_petition("gone")
    locking.claim(gone, moderator)
    services.take_down(gone, moderator, reasons["spam"])
    assert report(client, encoded({"reason": "spam"}), slug="gone").status_code == 410
    assert client.get("/en/p/gone/report/").status_code == 410


# --- The abuse reports queue ------------------------------------------------------------------


def test_the_reports_queue_shows_open_reports_first(petition, moderator):
    handled = AbuseReport.objects.create(
        petition=petition, reason="spam", text="handled one", status="dismissed"
    )
    AbuseReport.objects.filter(pk=handled.pk).update(created_at=timezone.now())
    AbuseReport.objects.create(
        petition=petition,
        reason="offensive",
        text=f"open {HOSTILE}",
        created_at=timezone.now() - timedelta(days=1),
    )
    html = page(logged_in(moderator).get("/en/moderation/reports/"))
    assert html.index("open &lt;script&gt;") < html.index("handled one")
    assert HOSTILE not in html
    assert html.count("/dismiss/") == html.count("/take-down/") == 1


def test_a_reported_petition_is_taken_down_from_the_queue(petition, moderator, reasons, client):
    first = AbuseReport.objects.create(petition=petition, reason="illegal")
    second = AbuseReport.objects.create(petition=petition, reason="spam")
    staff = logged_in(moderator)
    path = f"/en/moderation/reports/{first.pk}/take-down/"

    response = staff.post(path, {f"report-{first.pk}-reason": ""})
    assert response.status_code == 400
    assert f'id="id_report-{first.pk}-reason_error"' in page(response)
    assert fresh(petition).state == S.OPEN

    response = staff.post(path, {f"report-{first.pk}-reason": "unlawful"})
    assert response.status_code == 303
    assert fresh(petition).state == S.REMOVED and fresh(petition).locked_by is None
    assert set(AbuseReport.objects.values_list("status", flat=True)) == {"acted"}
    entry = AuditEntry.objects.get(action="abuse_report.acted")
    assert sorted(entry.data["reports"]) == sorted([first.pk, second.pk])
    assert client.get("/en/p/park/").status_code == 410


def test_taking_down_from_the_queue_waits_for_the_reviewing_moderator(
    petition, moderator, other_moderator, reasons
):
    report_ = AbuseReport.objects.create(petition=petition, reason="illegal")
    reviewed(logged_in(other_moderator), petition)
    response = logged_in(moderator).post(
        f"/en/moderation/reports/{report_.pk}/take-down/", {f"report-{report_.pk}-reason": "spam"}
    )
    assert response.status_code == 409
    assert "Being reviewed by dana until" in page(response)
    assert fresh(petition).state == S.OPEN and fresh(petition).locked_by == other_moderator
    report_.refresh_from_db()
    assert report_.status == "open"


def test_dismissing_a_report_is_audited_and_happens_once(petition, moderator, other_moderator):
    open_report = AbuseReport.objects.create(petition=petition, reason="spam")
    path = f"/en/moderation/reports/{open_report.pk}/dismiss/"
    response = logged_in(moderator).post(path, {"dismiss-note": "Не спам"})
    assert response.status_code == 303
    open_report.refresh_from_db()
    assert (open_report.status, open_report.handled_by) == ("dismissed", moderator)
    assert open_report.handled_at
    entry = AuditEntry.objects.get(action="abuse_report.dismiss")
    assert (entry.actor, entry.petition, entry.note, entry.reason) == (
        moderator,
        petition,
        "Не спам",
        "spam",
    )

    assert logged_in(other_moderator).post(path).status_code == 303
    open_report.refresh_from_db()
    assert open_report.handled_by == moderator
    assert AuditEntry.objects.count() == 1


def test_dismissing_with_a_hostile_note_is_a_400(petition, moderator):
    open_report = AbuseReport.objects.create(petition=petition, reason="spam")
    staff = logged_in(moderator)
    path = f"/en/moderation/reports/{open_report.pk}/dismiss/"
    for note in ("a\x00b", "x" * 10_000):
        assert staff.post(path, {"dismiss-note": note}).status_code == 400
    assert staff.post("/en/moderation/reports/999999/dismiss/").status_code == 404
    open_report.refresh_from_db()
    assert open_report.status == "open"


# --- Races on PostgreSQL ----------------------------------------------------------------------


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_claims_exactly_one_wins(
    postgres_only, make_petition, moderator, other_moderator
):
    moderators = [moderator, other_moderator]
    for round_ in range(10):
        petition = make_petition(f"race-{round_}", state=S.SUBMITTED)
        outcomes = simultaneously(2, lambda i, p=petition: locking.claim(p, moderators[i]))
        assert sorted(outcomes) == [False, True], outcomes
        winner = moderators[outcomes.index(True)]
        assert fresh(petition).locked_by == winner


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_decisions_exactly_one_succeeds(
    postgres_only, make_petition, moderator, other_moderator, reasons
):
    for round_ in range(6):
        petition = make_petition(f"race-{round_}", state=S.SUBMITTED)
        holder = logged_in(moderator)
        reviewed(holder, petition)
        # The holder's double click (approve and reject at once, from a second session of the
        # same moderator), or a second moderator.
        second = logged_in(moderator if round_ % 2 else other_moderator)
        clients = [holder, second]
        posts = [
            (f"/en/moderation/p/{petition.slug}/approve/", {}),
            (
                f"/en/moderation/p/{petition.slug}/reject/",
                {"reject-reason": "spam", "reject-note": ""},
            ),
        ]
        if round_ % 3 == 2:
            posts.reverse()

        def post(i, clients=clients, posts=posts):
            path, data = posts[i]
            return clients[i].post(path, data).status_code

        statuses = simultaneously(2, post)
        assert sorted(statuses) == [303, 409], statuses
        decided = fresh(petition)
        assert decided.state in (S.OPEN, S.REJECTED)
        assert decided.locked_by is None
        assert AuditEntry.objects.filter(petition=petition).count() == 1
        assert OutgoingEmail.objects.count() == 0  # no starter account in this world
