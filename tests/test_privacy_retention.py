"""Retention: a set time after a petition ends its signatures are anonymised, the counts by
country and region still add up, and the starter and the moderators are told once, before."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.utils import timezone, translation

from tests.conftest import HOSTILE
from undeu.audit.models import AuditEntry
from undeu.core.l10n import localised_date
from undeu.core.periodic import PERIODIC_JOBS
from undeu.delivery.outcome import mark_delivered
from undeu.delivery.signers import summarise
from undeu.mail.models import OutgoingEmail
from undeu.petitions.lifecycle import close
from undeu.petitions.models import PetitionState
from undeu.privacy import retention
from undeu.privacy.models import PetitionRetention
from undeu.signatures.counting import recount_all, stored_count
from undeu.signatures.erasure import is_anonymised
from undeu.signatures.models import Signature
from undeu.starting.dashboard import signatures_by_city, signatures_by_country

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.UNDEU_SIGNATURE_RETENTION_DAYS = 180
    settings.UNDEU_RETENTION_NOTICE_DAYS = 14
    settings.LANGUAGE_CODE = "ru"
    settings.UNDEU_ALERT_EMAILS = ["team@example.org"]


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", "mod@example.com", None, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def signed(petition, starter, sign_and_confirm, no_limits):
    """Five signers in three countries and four places; the petition closed at `closed`."""
    petition.starter = starter
    petition.save()
    places = [("KZ", "Алматы"), ("KZ", "алматы "), ("KZ", "Астана"), ("RU", "Омск"), ("DE", "")]
    for n, (country, city) in enumerate(places):
        sign_and_confirm(
            petition,
            f"s{n}@example.com",
            full_name=f"Signer {n} {HOSTILE}",
            country=country,
            city=city,
            show_name=n % 2 == 0,
            wants_updates=True,
        )
    close(petition)
    petition.refresh_from_db()
    return petition


def run_at(moment, callbacks):
    with time_machine.travel(moment, tick=False), callbacks(execute=True):
        return retention.run()


def notices():
    return {message.to[0]: message for message in mail.outbox}


def test_signers_are_anonymised_after_the_retention_and_counts_still_add_up(
    signed, moderator, django_capture_on_commit_callbacks
):
    closed = signed.closed_at
    before = (
        stored_count(signed.pk),
        summarise(signed),
        signatures_by_country(signed),
        signatures_by_city(signed),
    )
    assert before[0] == 5

    # Nothing until the notice period.
    assert run_at(closed + 165 * DAY, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    # The notice: to the starter (the petition's language) and each moderator (the site's).
    assert run_at(closed + 166 * DAY, django_capture_on_commit_callbacks) == 1
    sent = notices()
    assert set(sent) == {"starter@example.com", "mod@example.com", "team@example.org"}
    with translation.override("kk"):
        kk_date = localised_date(closed + 180 * DAY)
    with translation.override("ru"):
        ru_date = localised_date(closed + 180 * DAY)
    assert kk_date in sent["starter@example.com"].body
    assert sent["starter@example.com"].extra_headers["Content-Language"] == "kk"
    assert "/manage/" in sent["starter@example.com"].body
    assert ru_date in sent["mod@example.com"].body
    assert sent["mod@example.com"].extra_headers["Content-Language"] == "ru"
    assert "/manage/" not in sent["mod@example.com"].body
    assert HOSTILE not in sent["starter@example.com"].alternatives[0].content
    # Once: the next runs send nothing again.
    mail.outbox.clear()
    assert run_at(closed + 170 * DAY, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    assert not any(is_anonymised(s) for s in Signature.objects.all())

    # The day comes: names, emails and addresses are erased, everything counted stays.
    assert run_at(closed + 180 * DAY + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert all(is_anonymised(s) for s in Signature.objects.all())
    assert all(s.full_name == s.email == "" for s in Signature.objects.all())
    recount_all()
    after = (
        stored_count(signed.pk),
        summarise(signed),
        signatures_by_country(signed),
        signatures_by_city(signed),
    )
    assert after[0] == before[0]
    assert after[1].by_country == before[1].by_country
    assert after[1].by_city == before[1].by_city
    assert after[1].named_count == 0  # nobody is named any more
    assert after[2:] == before[2:]
    assert after[1].by_country == [("KZ", 3), ("DE", 1), ("RU", 1)]
    retention_row = PetitionRetention.objects.get()
    assert retention_row.anonymised_at is not None
    entry = AuditEntry.objects.get(action="privacy.anonymised")
    assert entry.data == {"signatures": 5}
    # Done is done.
    assert run_at(closed + 400 * DAY, django_capture_on_commit_callbacks) == 0


def test_a_delivery_after_closing_moves_the_date_and_a_new_notice_says_so(
    signed, starter, django_capture_on_commit_callbacks
):
    closed = signed.closed_at
    run_at(closed + 170 * DAY, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2  # the starter, the team mailbox
    with time_machine.travel(closed + 175 * DAY, tick=False):
        mark_delivered(signed, actor=starter)
    signed.refresh_from_db()
    mail.outbox.clear()
    # The old date passes: nothing is erased, since the petition now ends later.
    assert run_at(closed + 181 * DAY, django_capture_on_commit_callbacks) == 0
    assert not any(is_anonymised(s) for s in Signature.objects.all())
    assert mail.outbox == []
    # A new notice before the new date, then the erasure on it.
    assert run_at(closed + 175 * DAY + 167 * DAY, django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 2
    assert run_at(closed + 175 * DAY + 181 * DAY, django_capture_on_commit_callbacks) == 5


def test_a_late_notice_still_gives_the_full_notice_period(
    signed, settings, django_capture_on_commit_callbacks
):
    """The worker was stopped, or the retention shortened: the date announced is later."""
    settings.UNDEU_SIGNATURE_RETENTION_DAYS = 30
    closed = signed.closed_at
    late = closed + 100 * DAY
    assert run_at(late, django_capture_on_commit_callbacks) == 1
    assert PetitionRetention.objects.get().scheduled_for == late + 14 * DAY
    assert run_at(late + 13 * DAY, django_capture_on_commit_callbacks) == 0
    assert run_at(late + 14 * DAY, django_capture_on_commit_callbacks) == 5


def test_two_workers_send_the_notice_once(signed, django_capture_on_commit_callbacks):
    moment = signed.closed_at + 170 * DAY
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        scheduled = retention.due_at(signed)
        assert retention._claim_notice(signed, None, scheduled, moment)
        assert not retention._claim_notice(signed, None, scheduled, moment)
    assert OutgoingEmail.objects.filter(kind="retention_notice").count() == 2
    assert AuditEntry.objects.filter(action="privacy.retention_notice").count() == 1


def test_open_petitions_are_never_touched(petition, sign_and_confirm, starter):
    petition.starter = starter
    petition.save()
    sign_and_confirm(petition)
    with time_machine.travel(timezone.now() + 1000 * DAY, tick=False):
        assert retention.run() == 0
    assert not is_anonymised(Signature.objects.get())
    assert retention.anonymisation_date(petition) is None


def test_a_removed_petition_is_anonymised_after_its_take_down(
    signed, django_capture_on_commit_callbacks
):
    taken_down = signed.closed_at + 10 * DAY
    type(signed).objects.filter(pk=signed.pk).update(
        state=PetitionState.REMOVED, moderated_at=taken_down
    )
    signed.refresh_from_db()
    assert retention.due_at(signed) == taken_down + 180 * DAY
    assert run_at(taken_down + 166 * DAY, django_capture_on_commit_callbacks) == 1
    starter_notice = notices()["starter@example.com"]
    assert "/manage/" not in starter_notice.body  # no package for a removed petition
    assert run_at(taken_down + 181 * DAY, django_capture_on_commit_callbacks) == 5


def test_the_starter_and_the_public_are_told_when(
    client, signed, starter, django_capture_on_commit_callbacks
):
    client.force_login(starter)
    closed = signed.closed_at
    with time_machine.travel(closed + DAY, tick=False), translation.override("en"):
        date = localised_date(closed + 180 * DAY)
        for path in ("/en/my/petitions/", f"/en/p/{signed.slug}/manage/", f"/en/p/{signed.slug}/"):
            page = client.get(path).content.decode()
            assert f"will be erased on {date}" in page, path
    run_at(closed + 166 * DAY, django_capture_on_commit_callbacks)
    assert run_at(closed + 181 * DAY, django_capture_on_commit_callbacks) == 5
    with time_machine.travel(closed + 200 * DAY, tick=False), translation.override("en"):
        date = localised_date(PetitionRetention.objects.get().anonymised_at)
        client.force_login(starter)  # the first session has expired meanwhile
        page = client.get(f"/en/p/{signed.slug}/manage/").content.decode()
    assert f"were erased on {date}" in page


def test_the_job_is_periodic():
    assert retention.run in [job.run for job in PERIODIC_JOBS]
