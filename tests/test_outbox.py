import email
import email.policy
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from tests.conftest import signature_request, smtp_server
from undeu.mail.compose import compose
from undeu.mail.models import OutgoingEmail
from undeu.mail.outbox import backoff, deliver, send_batch, sweep
from undeu.signatures.signing import sign

pytestmark = pytest.mark.django_db


class FailsForOneBackend(BaseEmailBackend):
    def send_messages(self, messages):
        import smtplib

        if messages[0].to == ["p1@example.com"]:
            raise smtplib.SMTPRecipientsRefused({})
        mail.outbox.extend(messages)
        return 1


class UnreachableBackend(FailsForOneBackend):
    def open(self):
        raise ConnectionRefusedError("smtp down")


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


@pytest.fixture
def queued(petition):
    sign(petition.pk, signature_request(), base_url="http://testserver")
    return OutgoingEmail.objects.get()


def test_a_failed_send_is_retried_with_backoff(queued, settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.BrokenBackend"
    assert not deliver(queued.pk)
    queued.refresh_from_db()
    assert queued.state == OutgoingEmail.State.PENDING
    assert queued.attempts == 1
    assert queued.last_error == "ConnectionRefusedError"
    assert queued.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert "token" in queued.context  # kept until it is sent

    # Not due yet: nothing happens.
    assert not deliver(queued.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert sweep() == 1
    queued.refresh_from_db()
    assert queued.state == OutgoingEmail.State.SENT
    assert queued.context == {}
    assert len(mail.outbox) == 1


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == timedelta(hours=6)


def test_giving_up_after_the_last_attempt(queued, settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.BrokenBackend"
    settings.UNDEU_MAIL_MAX_ATTEMPTS = 2
    now = timezone.now()
    for step in range(2):
        with time_machine.travel(now + timedelta(hours=7 * step)):
            deliver(queued.pk)
    queued.refresh_from_db()
    assert queued.state == OutgoingEmail.State.FAILED


def test_the_outbox_is_the_queue_a_batch_sends_every_due_message(petition, settings):
    for n in range(5):
        sign(petition.pk, signature_request(email=f"p{n}@example.com"), base_url="http://x")
    settings.UNDEU_MAIL_BATCH = 3
    settings.UNDEU_MAIL_MARK_EVERY = 2
    assert send_batch() == 3
    assert OutgoingEmail.objects.filter(state=OutgoingEmail.State.SENT).count() == 3
    assert send_batch() == 2
    assert send_batch() == 0
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.com" for n in range(5)]
    assert not OutgoingEmail.objects.exclude(state=OutgoingEmail.State.SENT).exists()


def test_a_batch_with_one_failing_message_sends_the_others(petition, settings):
    for n in range(3):
        sign(petition.pk, signature_request(email=f"p{n}@example.com"), base_url="http://x")
    settings.EMAIL_BACKEND = "tests.test_outbox.FailsForOneBackend"
    assert send_batch() == 2
    failed = OutgoingEmail.objects.get(state=OutgoingEmail.State.PENDING)
    assert failed.to == "p1@example.com"
    assert failed.attempts == 1
    assert failed.last_error == "SMTPRecipientsRefused"
    assert failed.next_attempt_at > timezone.now()


def test_a_batch_whose_server_is_down_waits_for_the_next_attempt(petition, settings):
    for n in range(2):
        sign(petition.pk, signature_request(email=f"p{n}@example.com"), base_url="http://x")
    settings.EMAIL_BACKEND = "tests.test_outbox.UnreachableBackend"
    assert send_batch() == 0
    assert set(OutgoingEmail.objects.values_list("state", "attempts")) == {("pending", 1)}
    assert send_batch() == 0  # not due again before the backoff
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert send_batch() == 2


def test_a_batch_reads_each_petition_once(petition, settings, django_assert_max_num_queries):
    for n in range(20):
        sign(petition.pk, signature_request(email=f"p{n}@example.com"), base_url="http://x")
    settings.UNDEU_MAIL_MARK_EVERY = 100
    # candidates; the claim's transaction (begin, select, update, end); the rows; the petition
    # and its versions; marking them sent: the same for 20 emails as for one.
    with django_assert_max_num_queries(9):
        assert send_batch() == 20


def test_an_expired_lease_is_released(queued):
    OutgoingEmail.objects.filter(pk=queued.pk).update(
        state=OutgoingEmail.State.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert sweep() == 1
    assert len(mail.outbox) == 1


def test_a_message_is_sent_once_even_if_delivered_twice(queued):
    assert deliver(queued.pk)
    assert not deliver(queued.pk)
    assert len(mail.outbox) == 1


def test_delivery_to_a_real_smtp_server(queued, settings):
    with smtp_server(settings) as inbox:
        assert deliver(queued.pk)
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["aigerim@example.com"]
    content = envelope.content.decode()
    assert f"Message-ID: <outbox-{queued.pk}@" in content
    assert "Content-Language: kk" in content
    # Text and HTML, split by a boundary made per message, parse back as sent.
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.SMTP)
    boundary = parsed.get_boundary()
    assert re.fullmatch(r"=_[0-9a-f]{32}", boundary)
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert "/kk/confirm/" in text and "/kk/confirm/" in html and "<" in html
    composed = [compose(queued).message().get_boundary() for _ in range(2)]
    assert boundary not in composed and composed[0] != composed[1]


def test_a_batch_renders_once_but_every_email_has_its_own_link(petition, settings):
    from undeu.signatures.models import Signature
    from undeu.signatures.signing import token_digest

    for n in range(3):
        sign(petition.pk, signature_request(email=f"p{n}@example.com"), base_url="http://x")
    sign(petition.pk, signature_request(email="p0@example.com"), base_url="http://x")  # again
    assert send_batch() == 4
    links = {}
    for message in mail.outbox:
        (token,) = re.findall(r"/kk/confirm/([\w-]+)/", message.body)
        assert f"/kk/confirm/{token}/" in message.alternatives[0].content
        assert "PLACEHOLDER" not in message.body + message.alternatives[0].content
        links.setdefault(message.to[0], []).append(token)
    assert len({token for tokens in links.values() for token in tokens}) == 4
    # Each person's latest link is the one that confirms their signature.
    for address, tokens in links.items():
        signature = Signature.objects.for_email(address).get()
        assert signature.token_digest == token_digest(tokens[-1])
    bodies = {message.body.replace(links[message.to[0]][-1], "") for message in mail.outbox[2:]}
    assert len(bodies) == 1  # the same text apart from the link


def test_people_waiting_for_a_link_go_before_a_mailing_queued_earlier(petition, settings):
    from undeu.mail.outbox import queue_email

    for n in range(3):
        queue_email(
            "already_signed",
            to=f"bulk{n}@example.com",
            language="kk",
            context={"petition_id": petition.pk, "base_url": "http://x"},
            bulk=True,
        )
    sign(petition.pk, signature_request(email="waiting@example.com"), base_url="http://x")
    assert send_batch(limit=1) == 1
    assert mail.outbox[0].to == ["waiting@example.com"]
    assert send_batch() == 3


@pytest.mark.django_db
def test_every_email_carries_its_mailboxs_keyed_hash_and_old_rows_get_theirs():
    """The address is encrypted and cannot be searched: erasing a signer's data and stopping
    their emails find their emails by the hash their signatures carry."""
    import importlib

    from django.apps import apps

    from undeu.mail.outbox import queue_email
    from undeu.signatures.identity import email_digest

    first = queue_email("x", to="A.Igerim+petition@GoogleMail.com", language="kk", context={})
    second = queue_email("x", to="aigerim@gmail.com", language="kk", context={}, bulk=True)
    assert {m.recipient_digest for m in OutgoingEmail.objects.filter(pk__in=[first, second])} == {
        email_digest("aigerim@gmail.com")
    }
    OutgoingEmail.objects.filter(pk=first).update(recipient_digest="")
    migration = importlib.import_module("undeu.mail.migrations.0004_recipient_digest")
    migration.fill_digests(apps, None)
    assert OutgoingEmail.objects.get(pk=first).recipient_digest == email_digest("aigerim@gmail.com")
