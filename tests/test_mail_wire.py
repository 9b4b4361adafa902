"""A batch's confirmation emails made from one template (mail/wire.py) reach a real SMTP server
as Django's SMTP backend would have sent them, each with its own address, link and Message-ID;
anything a template cannot hold is composed in full."""

import email
import email.policy
import email.utils
import re

import pytest
from django.conf import settings
from django.core.mail.message import sanitize_address

from tests.conftest import SmtpInbox, signature_request, smtp_server
from undeu.mail import wire
from undeu.mail.compose import TOKEN_PLACEHOLDER, compose, shared_lookups
from undeu.mail.models import OutgoingEmail
from undeu.mail.outbox import queue_email, send_batch
from undeu.signatures.signing import sign

pytestmark = pytest.mark.django_db

LONG_ADDRESS = "a-rather-long-mailbox-name-that-would-be-folded-x@example.com"


@pytest.fixture
def smtp_inbox(settings):
    with smtp_server(settings) as inbox:
        yield inbox


def as_sent_in_full(row: OutgoingEmail) -> email.message.EmailMessage:
    return email.message_from_bytes(
        compose(row).message().as_bytes(linesep="\r\n"), policy=email.policy.SMTP
    )


def comparable(parsed) -> tuple:
    """Everything but the Date and the boundary, which each composition makes anew."""
    headers = [
        (name, value) for name, value in parsed.items() if name not in {"Date", "Content-Type"}
    ]
    parts = [
        (part.get_content_type(), part["Content-Transfer-Encoding"], part.get_content())
        for part in parsed.iter_parts()
    ]
    return parsed.get_content_type(), headers, parts


def test_a_batch_from_one_template_is_what_the_smtp_backend_would_send(petition, smtp_inbox):
    addresses = ["aigerim@example.com", "nurlan.a+petition@mail.kz", "o'brien@example.org"]
    addresses.append(LONG_ADDRESS)  # composed in full
    for address in addresses:
        sign(petition.pk, signature_request(email=address), base_url="http://testserver")
    sign(petition.pk, signature_request(email="aigerim@example.com"), base_url="http://testserver")
    # As queued: sending clears a row's context.
    queued = {row.pk: row for row in OutgoingEmail.objects.all()}
    assert send_batch() == 5
    # smtplib sends the address part of the From (as for the full path).
    sender = email.utils.parseaddr(sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8"))[1]
    boundaries, tokens = {}, set()
    assert len(smtp_inbox.messages) == 5
    for envelope in smtp_inbox.messages:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.SMTP)
        (pk,) = re.findall(r"<outbox-(\d+)@", parsed["Message-ID"])
        row = queued[int(pk)]
        assert envelope.mail_from == sender and envelope.rcpt_tos == [row.to]
        assert comparable(parsed) == comparable(as_sent_in_full(row))
        content = envelope.content.decode()
        assert set(re.findall(r"/kk/confirm/([\w-]+)/", content)) == {row.context["token"]}
        tokens.add(row.context["token"])
        assert "placeholder" not in content.lower()
        boundaries.setdefault(row.to, set()).add(parsed.get_boundary())
    assert len(tokens) == 5  # a link of its own each, the repeated signer's new one too
    # The three plain addresses shared their batch's template (one boundary); the long one was
    # composed in full (a boundary of its own).
    plain = set().union(*(boundaries[a] for a in addresses[:3]))
    assert len(plain) == 1 and boundaries[LONG_ADDRESS].isdisjoint(plain)


def test_only_addresses_written_as_they_are_and_url_safe_tokens_use_a_template(petition):
    queue_email(
        "confirm_signature",
        to="aigerim@example.com",
        language="ru",
        context={"petition_id": petition.pk, "base_url": "http://x", "token": "abc_DEF-123"},
    )
    plain = OutgoingEmail.objects.get()
    cases = {
        "aigerim@example.com": True,
        LONG_ADDRESS: False,
        "айгерім@example.kz": False,
        "a b@example.com": False,
        "aigerim@example.com\r\nBcc: x@example.com": False,
    }
    with shared_lookups():
        for address, expected in cases.items():
            plain.to = address
            assert (wire.wire_message(plain) is not None) is expected, address
        plain.to = "aigerim@example.com"
        plain.context = {**plain.context, "token": "not url safe/../"}
        assert wire.wire_message(plain) is None
        plain.kind = "prerendered"
        assert wire.wire_message(plain) is None
    # Outside a batch, always in full.
    plain.kind, plain.context["token"] = "confirm_signature", "abc"
    assert wire.wire_message(plain) is None


def test_a_body_that_would_not_be_sent_as_written_is_composed_in_full(petition, monkeypatch):
    """A line too long for 8bit makes Django send the part quoted-printable, where a token
    could be split: no template then."""
    sign(petition.pk, signature_request(), base_url="http://testserver")
    row = OutgoingEmail.objects.get()
    real_compose = wire.compose

    def with_a_long_line(message):
        composed = real_compose(message)
        composed.body += "\n" + "ы" * 600 + TOKEN_PLACEHOLDER
        return composed

    monkeypatch.setattr(wire, "compose", with_a_long_line)
    with shared_lookups():
        assert wire.wire_message(row) is None


def test_a_refused_templated_email_waits_to_be_retried_and_the_rest_are_sent(petition, settings):
    refused = "nobody-here@example.com"
    addresses = ["first@example.com", refused, "third@example.com"]
    for address in addresses:
        sign(petition.pk, signature_request(email=address), base_url="http://testserver")
    with smtp_server(settings, SmtpInbox(refuse=refused)) as inbox:
        assert send_batch() == 2
    assert sorted(e.rcpt_tos[0] for e in inbox.messages) == sorted(set(addresses) - {refused})
    states = {row.to: (row.state, row.attempts) for row in OutgoingEmail.objects.all()}
    assert states[refused] == (OutgoingEmail.State.PENDING, 1)
    assert all(
        state == OutgoingEmail.State.SENT for state, _ in (states[a] for a in addresses[::2])
    )
