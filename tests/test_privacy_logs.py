"""Logs never contain emails, names or tokens: every logger is captured at DEBUG (SQL with its
values included) through the site's own logging configuration, over a whole signing path with a
real SMTP server, and searched."""

import copy
import io
import logging
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils.log import configure_logging

from tests.conftest import SmtpInbox, smtp_server
from undeu.core.periodic import PERIODIC_JOBS
from undeu.mail.outbox import sweep
from undeu.privacy.redaction import RedactPersonalData, redact_sql, redact_text
from undeu.signatures.models import Signature
from undeu.updates.posting import post_update
from undeu.updates.unsubscribe import unsubscribe_token

pytestmark = pytest.mark.django_db
NAME = "Зарина Логтексерова"
EMAIL = "zarina.logcheck+petition@example.com"
REFUSED = "refused.logcheck@example.com"
# Logged by the test's own SMTP server, not by the site.
TEST_INFRASTRUCTURE = ("mail.log",)
DUMP = None  # a pathlib.Path to read what was logged


@pytest.fixture
def smtp(settings):
    with smtp_server(settings, SmtpInbox(refuse=REFUSED)) as inbox:
        yield inbox


@pytest.fixture
def logs():
    """The site's LOGGING with every logger at DEBUG, into a string instead of stderr."""
    stream = io.StringIO()
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["stderr"]["stream"] = stream
    config["root"]["level"] = "DEBUG"
    for logger in config["loggers"].values():
        logger["level"] = "DEBUG"
    config["loggers"]["django.db.backends"] = {"level": "DEBUG"}
    configure_logging(django_settings.LOGGING_CONFIG, config)
    levels = {}
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True  # the SQL logging DEBUG=1 turns on
    try:
        yield stream
    finally:
        connection.force_debug_cursor = debug_cursor
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


def confirmation_token(inbox: SmtpInbox, count: int) -> str:
    assert len(inbox.messages) >= count
    return re.findall(r"/confirm/([\w-]+)/", inbox.messages[count - 1].content.decode())[0]


def test_a_whole_signing_path_leaves_no_personal_data_in_the_logs(
    client, petition, starter, smtp, logs, no_limits, django_capture_on_commit_callbacks
):
    petition.starter = starter
    petition.save()
    form = {
        "full_name": NAME,
        "email": EMAIL,
        "country": "KZ",
        "city": "Алматы",
        "wants_updates": "on",
        "show_name": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        # The full path first (a mistake: 400 with the form), then the fast one.
        assert client.post(f"/kk/p/{petition.slug}/sign/", {**form, "country": "XX"}).status_code
        assert client.post(f"/kk/p/{petition.slug}/sign/", form).status_code == 303
    token = confirmation_token(smtp, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(f"/kk/confirm/{token}/").status_code == 200
        assert client.post(f"/kk/confirm/{token}/").status_code == 303
        assert client.get(f"/kk/confirm/{token}/").status_code == 200
        # django.request logs a 404 with its path.
        assert client.get(f"/kk/confirm/{token}x/").status_code == 404
        # Signing again: the "already signed" email.
        client.post(f"/kk/p/{petition.slug}/sign/", form)
    signature = Signature.objects.get(email_digest__isnull=False, petition=petition)
    unsubscribe = unsubscribe_token(signature.pk)
    with django_capture_on_commit_callbacks(execute=True):
        post_update(
            petition,
            author=starter,
            texts={"kk": ("Жаңалық", "Мәтін")},
            base_url="http://testserver",
        )
    assert any(unsubscribe in message.content.decode() for message in smtp.messages)
    # A delivery the SMTP server refuses, then the worker's sweep and periodic jobs.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/kk/p/{petition.slug}/sign/", {**form, "email": REFUSED})
    sweep()
    for job in PERIODIC_JOBS:
        job.run()
    assert client.get(f"/kk/unsubscribe/{unsubscribe}/").status_code == 200

    for handler in logging.getLogger().handlers:
        handler.flush()
    written = logs.getvalue()
    lines = [
        line
        for line in written.splitlines()
        if line.split(" ")[3:4] not in ([name] for name in TEST_INFRASTRUCTURE)
    ]
    text = "\n".join(lines)
    if DUMP:
        DUMP.write_text(text)
    assert "django.db.backends" in text and "INSERT INTO" in text  # SQL was logged
    assert "Not Found" in text  # and the 404
    secrets = [
        EMAIL,
        "zarina.logcheck",
        REFUSED,
        "refused.logcheck",
        NAME,
        "Зарина",
        "Логтексерова",
        token,
        unsubscribe,
        unsubscribe.rpartition(".")[2],
    ]
    for secret in secrets:
        assert secret not in text, secret


def test_sql_literals_are_redacted_whatever_their_quoting():
    assert redact_sql("SELECT 1 WHERE a = 'x' AND b = 'it''s' AND c = 2") == (
        "SELECT 1 WHERE a = '…' AND b = '…' AND c = 2"
    )
    assert redact_sql(r"INSERT VALUES (E'a\'b\\', 'c')") == "INSERT VALUES (E'…', '…')"
    # In a standard string a backslash is a character, not an escape.
    assert redact_sql(r"VALUES ('a\', 'secret')") == "VALUES ('…', '…')"
    assert redact_sql("VALUES ('unterminated secret") == "VALUES ('…'"
    assert redact_sql("SELECT \"name\" FROM t WHERE x = 'Айгерім'::text") == (
        "SELECT \"name\" FROM t WHERE x = '…'::text"
    )


def test_emails_and_tokens_are_redacted_from_any_message():
    assert redact_text("to aigerim@example.com and айгерім@мысал.қаз") == "to [email] and [email]"
    token = "Qk3f_9-zXyZaBcDeFgHiJkLmNoPqRsTuVwXyZ012345"
    assert redact_text(f"GET /kk/confirm/{token}/") == "GET /kk/confirm/[token]/"
    assert redact_text("signatures_signature 1234") == "signatures_signature 1234"


def test_exceptions_and_arguments_are_redacted(caplog):
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "sending to %s failed", None, None)
    record.args = ("aigerim@example.com",)
    try:
        raise ValueError("recipient aigerim@example.com refused")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactPersonalData().filter(record)
    formatted = logging.Formatter().format(record)
    assert "aigerim" not in formatted
    assert "sending to [email] failed" in formatted and "recipient [email] refused" in formatted
