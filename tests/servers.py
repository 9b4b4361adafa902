"""Real servers for the tests that need them: a free port, an SMTP server that keeps what it
receives, and the site's management commands in subprocesses."""

import collections
import email
import email.policy
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
EMAIL_WAIT_SECONDS = 20
SERVER_START_SECONDS = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What the SMTP server received, by recipient; safe to read while the server thread writes.

    Indexed when a message arrives: a test that polls for hundreds of addresses must not parse
    every stored header on each look, or it holds the GIL and starves the server it waits for."""

    def __init__(self, port: int):
        self.port = port
        self._by_recipient: dict[str, list[EmailMessage]] = collections.defaultdict(list)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self._by_recipient[recipient.lower()].append(message)
        return "250 Message accepted for delivery"

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return list(self._by_recipient.get(address.lower(), ()))

    def wait_for(self, address: str, *, count: int = 1, timeout: float = EMAIL_WAIT_SECONDS):
        """The `count`-th message to `address`, waiting for the worker to send it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.messages_to(address)
            if len(received) >= count:
                return received[count - 1]
            time.sleep(0.1)
        raise AssertionError(f"no email #{count} to {address} within {timeout} s")


def manage(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, MANAGE, *command], env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def wait_until_serving(process: subprocess.Popen, url: str, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        try:
            with opener.open(f"{url}/kk/", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()}"
    )
