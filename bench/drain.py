"""Issue 4's drain: BENCH_DRAIN_EMAILS (100,000) confirmation emails, queued at once, go to a
real SMTP server (bench/smtp_sink.py) while people sign another petition.

They are queued as signing leaves them: a pending signature and its outbox row each, due now,
inserted in bulk (bulk_create) in transactions of CHUNK: the worker finds them in the outbox by
itself and starts sending with the first chunk. (All in one transaction held SQLite's write
lock for longer than the worker waits for it, 20 s: its task loop died of "database is locked",
and `serve` stopped the site with it.) Once the first email has arrived, the usual signing load
runs, RUNS times while the drain lasts; then the bench waits for every email and checks, against
what the SMTP server received: every queued email received, none twice (by Message-ID, over the
whole suite), every row marked sent.

Imported only in a process where Django is set up with the bench environment.
"""

import collections
import secrets
import time

from django.db import transaction

from bench import world
from bench.load import CONNECTIONS, DRAIN_EMAILS, RUNS, Load
from undeu.mail.models import OutgoingEmail
from undeu.signatures.identity import email_digest
from undeu.signatures.models import Signature
from undeu.signatures.signing import token_digest

SLUG = "bench-drain"
PREFIX = "drain-"  # of the queued emails' addresses
CHUNK = 1000  # signatures and emails per transaction
# Waiting for the last email gives up below this rate over the whole drain (so the wait scales
# with the count), or when nothing has arrived for STALLED_S.
MIN_RATE = 20
STALLED_S = 120


def measure(server, sink, signing_petition) -> tuple[dict, list[dict]]:
    """The drain's figures, and those of each signing run during it."""
    petition = world.open_petition(SLUG)
    arrivals = Arrivals(sink)
    started = time.monotonic()
    first_committed_at = queue(petition, DRAIN_EMAILS, server.origin)
    queue_s = time.monotonic() - started
    arrivals.wait_for(1, timeout=60)  # so that the signing runs are inside the drain
    runs, windows = [], []
    for run in range(RUNS):
        if arrivals.count() >= DRAIN_EMAILS:
            break
        figures, window = signing(server, signing_petition, arrivals, run)
        runs.append(figures)
        windows.append(window)
    complete = arrivals.wait_for(DRAIN_EMAILS, timeout=60 + DRAIN_EMAILS / MIN_RATE)
    wait_for_outbox()  # the emails of the signatures made meanwhile too
    figures = {
        "emails": DRAIN_EMAILS,
        "queue_s": queue_s,
        **rates(arrivals, first_committed_at, complete, windows),
        **checks(sink),
        "smtp_cpu_ms": sink.cpu_seconds() * 1000 / max(1, len(sink.received())),
    }
    return figures, runs


def queue(petition, count: int, base_url: str) -> float:
    """`count` pending signatures with their confirmation emails, CHUNK to a transaction;
    returns when the first chunk was committed (unix time, as the SMTP server records)."""
    first_committed_at = None
    for first in range(0, count, CHUNK):
        rows = [pending(petition, i, base_url) for i in range(first, min(count, first + CHUNK))]
        with transaction.atomic():
            Signature.objects.bulk_create([signature for signature, _ in rows])
            OutgoingEmail.objects.bulk_create([email for _, email in rows])
        first_committed_at = first_committed_at or time.time()
    return first_committed_at


def pending(petition, i: int, base_url: str) -> tuple[Signature, OutgoingEmail]:
    """What signing leaves for one person: the signature and its confirmation email."""
    address = f"{PREFIX}{i}@example.org"
    language = "ru" if i % 3 == 0 else "kk"
    token = secrets.token_urlsafe(32)
    signature = Signature(
        petition=petition,
        full_name=f"Дәурен Сейітов {i}",
        email=address,
        email_digest=email_digest(address),
        country="KZ",
        city="Шымкент",
        language=language,
        show_name=i % 2 == 0,
        token_digest=token_digest(token),
    )
    email = OutgoingEmail(
        kind="confirm_signature",
        to=address,
        language=language,
        context={"petition_id": petition.pk, "base_url": base_url, "token": token},
    )
    return signature, email


class Arrivals:
    """The queued emails the SMTP server has received so far, followed as they come."""

    def __init__(self, sink):
        self.sink = sink
        self.read = len(sink.received())
        self.recipients: set[str] = set()
        self.times: list[float] = []

    def count(self) -> int:
        """Distinct queued emails received (a resent one counts once)."""
        records = self.sink.received()
        for record in records[self.read :]:
            if record.to.startswith(PREFIX):
                self.recipients.add(record.to)
                self.times.append(record.at)
        self.read = len(records)
        return len(self.recipients)

    def wait_for(self, wanted: int, *, timeout: float) -> bool:
        """Until `wanted` have arrived (True), the timeout passes, or nothing arrives for
        STALLED_S (False)."""
        deadline = time.monotonic() + timeout
        arrived, progressed = self.count(), time.monotonic()
        while arrived < wanted:
            now = time.monotonic()
            if now > deadline or now - progressed > STALLED_S:
                return False
            time.sleep(0.5)
            if (now_arrived := self.count()) > arrived:
                arrived, progressed = now_arrived, time.monotonic()
        return True


def signing(server, petition, arrivals: Arrivals, run: int) -> tuple[dict, tuple]:
    """The usual signing load (as suite.signing, without its email checks), during the drain;
    its figures, and when it ran (unix times)."""
    tag = f"drainsign{run}"
    path = f"/kk/p/{petition.slug}/sign/"
    after_id = world.last_signature_id()
    before, window_start = arrivals.count(), time.time()
    result = Load("traffic.lua", CONNECTIONS, {"BENCH_SIGN": path, "BENCH_TAG": tag}).run(server)
    after, window_end = arrivals.count(), time.time()
    acknowledged = result.statuses.get(303, 0)
    stored = len(world.tagged(petition, tag, after_id=after_id))
    cpu = result.cpu
    figures = {
        "rate": result.rate(303),
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors(303),
        "lost": max(0, acknowledged - stored),
        "drain_rate": (after - before) / result.seconds,
        # The ratio to signing alone means something only while emails were still queued.
        "drain_ended": int(after >= DRAIN_EMAILS),
        "web_cores": cpu["web"] / cpu["elapsed"],
        "worker_cores": cpu["worker"] / cpu["elapsed"],
        "database_cores": cpu["database"] / cpu["elapsed"],
        "smtp_cores": cpu["smtp"] / cpu["elapsed"],
        "others_cpu": result.others_cpu,
    }
    return figures, (window_start, window_end)


def rates(arrivals: Arrivals, started_at: float, complete: bool, windows: list) -> dict:
    """Emails received per second from the first commit to the last email, and outside the
    signing windows (the drain alone); no duration when not all arrived."""
    arrivals.count()
    if not arrivals.times:
        return {"drain_s": None, "drain_rate": None, "drain_rate_alone": None}
    drain_s = max(arrivals.times) - started_at
    return {
        "drain_s": drain_s if complete else None,
        "drain_rate": len(arrivals.recipients) / drain_s,
        "drain_rate_alone": alone_rate(arrivals.times, windows, drain_s),
    }


def alone_rate(times: list[float], windows: list[tuple], drain_s: float) -> float | None:
    inside = sum(1 for at in times if any(start <= at <= end for start, end in windows))
    alone_s = drain_s - sum(end - start for start, end in windows)
    return (len(times) - inside) / alone_s if alone_s > 1 else None


def checks(sink) -> dict:
    """What the SMTP server received against the outbox."""
    records = sink.received()
    queued = {f"{PREFIX}{i}@example.org" for i in range(DRAIN_EMAILS)}
    received = {address for record in records for address in record.to.split(",")}
    repeats = collections.Counter(record.message_id for record in records)
    sent = OutgoingEmail.objects.filter(state=OutgoingEmail.State.SENT).values_list("to", flat=True)
    return {
        "missing": len(queued - received),
        "duplicates": sum(n - 1 for n in repeats.values() if n > 1),
        # Addresses are encrypted: compared here, not by the database.
        "not_sent": sum(
            1
            for address in OutgoingEmail.objects.exclude(
                state=OutgoingEmail.State.SENT
            ).values_list("to", flat=True)
            if address.startswith(PREFIX)
        ),
        "sent_not_received": len(set(sent) - received),
    }


def wait_for_outbox(limit: float = 120) -> None:
    waiting = OutgoingEmail.objects.exclude(state__in=["sent", "failed"])
    deadline = time.monotonic() + limit
    while waiting.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
