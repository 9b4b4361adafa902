"""The real thing, end to end: granian and the worker on a fresh SQLite database, a real SMTP
server, and Debian's Chromium driven through Playwright.

Nothing here touches the test process's database: the site runs in subprocesses with their own
settings (the database task backend, SMTP mail), and the tests talk to it through the browser.
Expected strings are computed with Django's gettext in this process, from the same catalogues
the server reads.
"""

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.servers import (
    MANAGE,
    Mailbox,
    free_port,
    manage,
    wait_until_serving,
)
from undeu.petitions.goals import next_goal
from undeu.petitions.page import count_sentence
from undeu.signatures.models import Signature

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # for each browser action and each expect()
CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[^/\s]+/")
SERVER_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")
# The site's key for signers' names and emails, which are encrypted at rest.
SITE_SIGNER_KEY = Fernet.generate_key().decode()


# --- SMTP -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mailbox():
    handler = Mailbox(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def text_body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def confirmation_link(message: EmailMessage) -> str:
    found = CONFIRM_LINK.findall(text_body(message))
    assert len(found) == 1, text_body(message)
    return found[0]


# --- The site -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    url: str
    log: Path
    database: Path

    def signature(self, email_address: str) -> dict | None:
        """The stored signature for an address, read straight from the site's database. Names
        and emails are encrypted at rest: decrypted here with the site's key, and the address
        found among them in Python."""
        uri = f"{self.database.as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(f"SELECT * FROM {Signature._meta.db_table}").fetchall()
        key = Fernet(SITE_SIGNER_KEY)
        for row in rows:
            stored = dict(row)
            for column in ("full_name", "email"):
                if stored[column]:
                    stored[column] = key.decrypt(stored[column]).decode()
            if stored["email"] == email_address:
                return stored
        return None


def _children(pid: int) -> list[int]:
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in listing.read_text().split()]
    except OSError:
        return []


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to `serve`, which stops granian and the worker; kill them all if it hangs."""
    if process.poll() is not None:
        return
    # serve starts each child in a process group of its own, which it kills when it stops.
    groups = [process.pid, *_children(process.pid)]
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def site(tmp_path_factory, mailbox) -> Site:
    var = tmp_path_factory.mktemp("undeu")
    database = var / "db.sqlite3"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "UNDEU_VAR_DIR": str(var),
        "SECRET_KEY": "browser-test-secret-key-not-for-production-0123456789",
        "UNDEU_SIGNER_KEYS": SITE_SIGNER_KEY,
        "UNDEU_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UNDEU_TASKS": "database",
        "UNDEU_MAIL": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mailbox.port),
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("DEBUG", "UNDEU_SITE_URL", "REDIS_URL", "UNDEU_TEST_SQLITE"):
        env.pop(key, None)
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["compile_translations"],
        ["load_demo"],
    ):
        manage(command, env)
    log = var / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, MANAGE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log)
        yield Site(url=url, log=log, database=database)
    finally:
        _stop(process)


# --- The browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Browser:
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(browser, site):
    """Make a fresh browser context (no cookies, no cache) on the site; closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(base_url=site.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


# --- Expected strings -----------------------------------------------------------------------


def gettext_in(language: str, message: str, **values) -> str:
    """`message` translated as the site translates it (English where a translation is missing)."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % values if values else text


def count_text_in(language: str, count: int) -> str:
    with translation.override(language):
        return count_sentence(count, next_goal(count))


# --- Counts ---------------------------------------------------------------------------------

# How long a count may take to show a change: each web process keeps a petition's count for
# UNDEU_COUNT_MAX_AGE seconds (only the process that changed it forgets it at once), and
# anonymous pages and count.json are kept for UNDEU_PAGE_CACHE_SECONDS.
COUNT_SETTLES_SECONDS = 5


def shown_count(page: Page) -> int:
    """The count the page shows (the progress bar's value, beside the sentence)."""
    return int(page.locator(".count progress").get_attribute("value"))


def served_count(page: Page, slug: str) -> int:
    """The count the server has now (count.json, fetched outside the browser's cache)."""
    response = page.request.get(f"/p/{slug}/count.json")
    assert response.ok
    return response.json()["count"]


def wait_for_served_count(page: Page, slug: str, expected: int) -> None:
    deadline = time.monotonic() + COUNT_SETTLES_SECONDS
    while served_count(page, slug) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert served_count(page, slug) == expected


def settled_served_count(page: Page, slug: str) -> int:
    """count.json once it has stopped changing: a change made a moment ago may not show yet
    (UNDEU_COUNT_MAX_AGE and UNDEU_PAGE_CACHE_SECONDS, a second each), so the same answer
    after both have passed is the count."""
    settled = 2.5
    deadline = time.monotonic() + COUNT_SETTLES_SECONDS + settled
    count = served_count(page, slug)
    while time.monotonic() < deadline:
        time.sleep(settled)
        again = served_count(page, slug)
        if again == count:
            return count
        count = again
    raise AssertionError(f"the count of {slug} kept changing")


def reload_until_count_shown(page: Page, expected: int) -> None:
    """Read the page again until it shows `expected`: one read may come from a web process
    whose count is still the one it kept a moment ago."""
    deadline = time.monotonic() + COUNT_SETTLES_SECONDS
    while shown_count(page) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        page.reload()
    assert shown_count(page) == expected


@pytest.fixture(autouse=True)
def _no_server_errors(site):
    """Fail a test during which the server or the worker logged a warning, an error or a crash."""
    start = site.log.stat().st_size
    yield
    with site.log.open("rb") as log:
        log.seek(start)
        written = log.read().decode("utf-8", "replace")
    problems = [line for line in written.splitlines() if SERVER_PROBLEM.search(line)]
    assert not problems, "the server logged:\n" + written


# --- Accounts and two-factor codes ----------------------------------------------------------

ACCOUNT_CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
# The `site` fixture's SECRET_KEY, for manage.py commands run beside the server.
SITE_SECRET_KEY = "browser-test-secret-key-not-for-production-0123456789"


def account_confirmation_link(message: EmailMessage) -> str:
    """The link in allauth's "confirm your email address" message."""
    found = ACCOUNT_CONFIRM_LINK.findall(text_body(message))
    assert len(found) == 1, text_body(message)
    return found[0]


def site_shell(site: Site, code: str) -> str:
    """Run `code` with `manage.py shell -c` on the site's database and files (the environment
    the `site` fixture gives the server, without its mail settings); its output."""
    var = site.database.parent
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{site.database}",
        "UNDEU_VAR_DIR": str(var),
        "SECRET_KEY": SITE_SECRET_KEY,
        "UNDEU_SIGNER_KEYS": SITE_SIGNER_KEY,
        "UNDEU_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UNDEU_TASKS": "database",
    }
    for key in ("DEBUG", "UNDEU_SITE_URL", "REDIS_URL", "UNDEU_TEST_SQLITE"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, MANAGE, "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py shell failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def create_moderator(site: Site, *, email: str, password: str, totp_secret: str) -> None:
    """A staff member with the moderation permission, a verified primary email address and an
    authenticator app (TOTP) set up with `totp_secret` (base32)."""
    values = {"email": email, "password": password, "secret": totp_secret}
    site_shell(
        site,
        f"""
import json
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

values = json.loads({json.dumps(values)!r})
user = get_user_model().objects.create_user(
    username=values["email"].split("@")[0],
    email=values["email"],
    password=values["password"],
    is_staff=True,
)
user.user_permissions.add(
    Permission.objects.get(content_type__app_label="moderation", codename="moderate")
)
EmailAddress.objects.create(user=user, email=values["email"], primary=True, verified=True)
TOTP.activate(user, values["secret"])
""",
    )


def totp_code(secret: str) -> str:
    """What an authenticator app shows now for `secret` (RFC 6238, allauth's own functions).

    The site accepts only the current period's code: when this one ends in a moment, wait for
    the next, so the code is still valid when the server checks it.
    """
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))
