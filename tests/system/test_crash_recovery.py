"""Nothing acknowledged is lost: the web server and the worker killed with SIGKILL in the middle
of a load, and an SMTP server that goes away for a while.

Real processes (granian, the worker) on a SQLite file, a real SMTP server, plain HTTP requests as
a browser sends them.
"""

import collections
import contextlib
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet

from tests.servers import MANAGE, Mailbox, free_port, manage, wait_until_serving
from undeu.mail.models import OutgoingEmail
from undeu.signatures.models import Signature

pytestmark = pytest.mark.system

PETITION = "astana-bike-lanes"
SIGNER_KEY = Fernet.generate_key().decode()  # names and emails are encrypted at rest
LEASE_SECONDS = 25  # above EMAIL_TIMEOUT, as in production (300 s and 20 s)


class Site:
    """granian and the worker as separate process groups, so each can be killed outright."""

    def __init__(self, var: Path, smtp_port: int):
        self.var = var
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
            "UNDEU_VAR_DIR": str(var),
            "SECRET_KEY": "system-test-secret-key-not-for-production-0123456789",
            "UNDEU_SIGNER_KEYS": SIGNER_KEY,
            "UNDEU_HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "UNDEU_TASKS": "database",
            "UNDEU_MAIL": "smtp",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            # A reply lost to a timeout leaves SMTP unsure whether the message went, so it is
            # sent again (at least once): keep the timeout well above this loaded machine's delays.
            "EMAIL_TIMEOUT": "10",
            # Short so the test need not wait minutes for a crashed sender's claim to lapse, yet
            # longer than a send may take (a shorter lease would hand a message still being sent
            # to a second sender).
            "UNDEU_MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
            "UNDEU_MAIL_RETRY_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        for key in ("DEBUG", "UNDEU_SITE_URL", "REDIS_URL", "UNDEU_TEST_SQLITE"):
            self.env.pop(key, None)
        for command in (
            ["migrate", "--noinput"],
            ["collectstatic", "--noinput", "--verbosity", "0"],
            ["compile_translations"],
            ["load_demo"],
        ):
            manage(command, self.env)
        self.processes: list[subprocess.Popen] = []
        self.log = var / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            web = [
                sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", "1", "--blocking-threads", "4",
                "--no-access-log", "undeu.wsgi:application",
            ]  # fmt: skip
            worker = [sys.executable, MANAGE, "worker", "--interval", "0.05"]
            self.processes = [
                subprocess.Popen(
                    command,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                for command in (web, worker)
            ]
        wait_until_serving(self.processes[0], self.url, self.log)

    def kill(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def rows(self, query: str) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.var / "db.sqlite3", timeout=30)) as db:
            return db.execute(query).fetchall()


def sign(site: Site, address: str) -> bool:
    """One signature as a browser posts it; True only when the site acknowledged it (303)."""
    body = urlencode({"full_name": "Айгерім Сапарова", "email": address, "country": "KZ"})
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    try:
        connection.request(
            "POST",
            f"/kk/p/{PETITION}/sign/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": site.url,
                "Sec-Fetch-Site": "same-origin",
            },
        )
        return connection.getresponse().status == 303
    except OSError:
        return False
    finally:
        connection.close()


def wait_for_every_email(mailbox: Mailbox, addresses, *, timeout: float, site: Site) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        missing = [a for a in addresses if not mailbox.messages_to(a)]
        if not missing:
            return
        time.sleep(0.2)
    # What the outbox says about them, and the end of the servers' log, to tell why.
    table = OutgoingEmail._meta.db_table
    rows = site.rows(
        f'SELECT "to", state, attempts, lease_until, next_attempt_at, last_error FROM {table}'
    )
    # The address is encrypted at rest: which rows are the missing ones is found in Python.
    states = collections.Counter(
        tuple(row[1:]) for row in rows if Fernet(SIGNER_KEY).decrypt(row[0]).decode() in missing
    )
    log = site.log.read_text(errors="replace")[-3000:]
    raise AssertionError(
        f"{len(missing)} acknowledged signatures got no email, e.g. {missing[:3]}; "
        f"their outbox rows: {states}; now {time.time()}; log:\n{log}"
    )


@pytest.fixture
def smtp():
    handler = Mailbox(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    yield handler, controller
    with contextlib.suppress(Exception):
        controller.stop()


def test_killing_the_web_server_and_the_worker_loses_nothing(tmp_path, smtp):
    mailbox, controller = smtp
    controller.start()
    site = Site(tmp_path, mailbox.port)
    site.start()
    acknowledged: list[str] = []
    stop = threading.Event()

    def load(thread: int) -> None:
        n = 0
        while not stop.is_set():
            address = f"load-{thread}-{n}@example.com"
            n += 1
            if sign(site, address):
                acknowledged.append(address)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(2)
        site.kill()  # in the middle of the load: no goodbye, no cleanup
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        before_restart = len(acknowledged)
        assert before_restart > 20, "the load did not get going"

        site.start()
        for i in range(5):
            assert sign(site, f"after-{i}@example.com")
            acknowledged.append(f"after-{i}@example.com")

        stored = {
            Fernet(SIGNER_KEY).decrypt(email.encode()).decode()
            for (email,) in site.rows(f"SELECT email FROM {Signature._meta.db_table}")
            if email  # an erased signature has none
        }
        assert set(acknowledged) <= stored
        wait_for_every_email(mailbox, acknowledged, timeout=90, site=site)
        time.sleep(LEASE_SECONDS + 2)  # past the lease: a resend would have happened by now
        # One message per signature. A sender killed after the SMTP server took a message but
        # before it was marked sent sends it again when its claim lapses (SMTP cannot tell), with
        # the same Message-ID, which mail servers and clients treat as the same message.
        message_ids = collections.defaultdict(set)
        for address in acknowledged:
            for message in mailbox.messages_to(address):
                message_ids[address].add(message["Message-ID"])
        assert all(len(ids) == 1 for ids in message_ids.values()), [
            a for a, ids in message_ids.items() if len(ids) > 1
        ]
    finally:
        stop.set()
        site.kill()


def test_signing_goes_on_while_the_smtp_server_is_away(tmp_path, smtp):
    mailbox, controller = smtp  # not started yet: the SMTP server is away
    site = Site(tmp_path, mailbox.port)
    site.start()
    try:
        addresses = [f"patient-{i}@example.com" for i in range(10)]
        assert all(sign(site, address) for address in addresses)
        table = OutgoingEmail._meta.db_table
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            # Tried and put back for a retry, not dropped. Each retry claims them again for a
            # moment (sending), so a single look could land in one: look until all are back.
            waiting = site.rows(
                f"SELECT count(*) FROM {table} WHERE attempts > 0 AND state = 'pending'"
            )[0][0]
            if waiting == len(addresses):
                break
            time.sleep(0.2)
        assert waiting == len(addresses), "the worker did not try to send, or dropped them"
        assert not site.rows(f"SELECT count(*) FROM {table} WHERE state = 'failed'")[0][0]

        controller.start()  # the SMTP server is back
        wait_for_every_email(mailbox, addresses, timeout=60, site=site)
        assert all(len(mailbox.messages_to(address)) == 1 for address in addresses)
    finally:
        site.kill()
