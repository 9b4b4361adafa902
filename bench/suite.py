"""One database's share of `make bench`: bench/run.py runs `python -m bench.suite OUT.json` in
the bench environment (its DATABASE_URL picks SQLite or PostgreSQL).

Starts the bench's SMTP server and `manage.py serve` (granian and the worker, as production runs
them, sending email to that SMTP server), measures page views, pages at scale (bench/scale.py),
confirmations, signing and a flash crowd, RUNS times each, then the drain of a large outbox
(bench/drain.py), checks every answer against the database, and writes the figures of every run
to OUT.json.
"""

import contextlib
import json
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Max  # noqa: E402

from bench import drain, scale, world  # noqa: E402
from bench.load import (  # noqa: E402
    CONNECTIONS,
    RUNS,
    SECONDS,
    CpuMeter,
    Load,
    Server,
    cpu_per,
    get,
    wait_until_idle,
)
from bench.smtp_sink import SmtpSink  # noqa: E402
from undeu.mail.models import OutgoingEmail  # noqa: E402
from undeu.petitions.models import Petition  # noqa: E402
from undeu.signatures.models import Signature, SignatureState  # noqa: E402

SIGN_SAMPLE = 100  # signatures made over HTTP that are then confirmed, to watch the count
CROWD_FACTOR = 10
OTHERS_CONNECTIONS = 4  # the usual traffic on the other petitions during the flash crowd
SIGN_SHARE = "0.2"  # of the flash crowd's requests, the share that signs (the rest read)
SHOWN_COUNT = re.compile(rb'<progress max="\d+" value="(\d+)"')


def main(out: Path) -> None:
    call_command("migrate", verbosity=0)
    # The big petition first: its ascending digests then go to the right edge of the unique
    # indexes, which PostgreSQL and SQLite fill densely, as a rebuilt index is; among the
    # random digests of other signers they would split pages in half.
    seeded = scale.seed()
    world.seed()
    petitions = Petition.objects.filter(slug__in=world.slugs()).order_by("pk")
    hot, signed, confirmed, viewed, *_ = petitions
    others = [p for p in petitions if p != hot]
    small, big = (Petition.objects.get(slug=slug) for slug in (scale.SMALL, scale.BIG))
    seeded.update(scale.render_costs(small, big))
    var = Path(settings.VAR_DIR)
    with SmtpSink(var / f"smtp-{out.stem}.log").start() as sink:
        # The worker sends every email over SMTP to the bench's server (run.py sets
        # UNDEU_MAIL=smtp and EMAIL_HOST; the port is this suite's).
        env = {**os.environ, "EMAIL_PORT": str(sink.port)}
        with Server(var / f"serve-{out.stem}.log", env=env).start(f"/kk/p/{hot.slug}/") as server:
            # Not the big petition: where its page renders for seconds (SQLite), those renders
            # would still be running into the first measurement.
            warm_up(server, [*petitions, small])
            figures = {
                "pages": [page_views(server, viewed, run) for run in range(RUNS)],
                "scale": {**at_scale(server, small, big), "seed": seeded},
                "confirm": [confirmations(server, confirmed, run) for run in range(RUNS)],
                "sign": [signing(server, signed, run) for run in range(RUNS)],
                "flash": [flash_crowd(server, hot, others, run) for run in range(RUNS)],
            }
            figures["drain"], figures["drain_sign"] = drain.measure(server, sink, signed)
            figures["memory"] = server.web_worker_memory()
    out.write_text(json.dumps(figures, indent=1))


def warm_up(server, petitions) -> None:
    """Open every thread's database connection and fill the caches, unmeasured."""
    paths = [f"/kk/p/{p.slug}/" for p in petitions] + [f"/p/{p.slug}/count.json" for p in petitions]
    Load("traffic.lua", CONNECTIONS, {"BENCH_READ": ",".join(paths)}, seconds=3).run(server)


def page_views(server, petition, run: int) -> dict:
    """Anonymous GETs of one petition's page while a prober confirms signatures on it and
    watches how long the pages go on showing the old count."""
    path = f"/kk/p/{petition.slug}/"
    tokens = world.pending_signatures(petition, 50, tag=f"probe{run}")
    truth = world.confirmed(petition)
    load = Load("traffic.lua", CONNECTIONS, {"BENCH_READ": path}).start(server)
    started = time.monotonic()
    staleness = []
    for token in tokens:
        if time.monotonic() > started + SECONDS - 3:
            break
        if confirm(server, token):
            truth += 1
            staleness.append(stale_for(server, path, truth))
    result = load.result()
    return {**reading(result), "stale_s": max(staleness, default=None)}


def at_scale(server, small, big) -> dict:
    """Pages and count.json of the petitions of 1,000 and of BENCH_BIG_SIGNATURES signatures,
    measured like page_views, the two petitions taking turns so that both meet the same
    moments of a shared machine."""
    figures = {part: [] for part in ("small_pages", "big_pages", "small_count", "big_count")}
    for run in range(RUNS):
        for size, petition in [("small", small), ("big", big)]:
            figures[f"{size}_pages"].append(page_views(server, petition, run))
            wait_until_idle()  # slow renders outlast their run
        for size, petition in [("small", small), ("big", big)]:
            figures[f"{size}_count"].append(count_reads(server, petition))
    return figures


def count_reads(server, petition) -> dict:
    """Anonymous GETs of one petition's count.json, as open pages refresh it."""
    path = f"/p/{petition.slug}/count.json"
    return reading(Load("traffic.lua", CONNECTIONS, {"BENCH_READ": path}).run(server))


def reading(result) -> dict:
    """The figures of a load of GETs."""
    return {
        "rate": result.rate(200),
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors(200),
        **cpu_per(result.cpu, result.statuses.get(200, 0)),
        "others_cpu": result.others_cpu,
    }


def stale_for(server, path: str, truth: int) -> float:
    """Seconds after a confirmation during which a page still showed the count without it:
    polls until the page has shown the new count for a whole second."""
    confirmed_at = time.monotonic()
    last_stale = confirmed_at
    while time.monotonic() - last_stale < 1 and time.monotonic() - confirmed_at < 10:
        status, body = get(server.url(path))
        shown = SHOWN_COUNT.search(body) if status == 200 else None
        if shown is None or int(shown.group(1)) < truth:
            last_stale = time.monotonic()
        time.sleep(0.02)
    return last_stale - confirmed_at


def confirmations(server, petition, run: int) -> dict:
    """POSTs of confirmation links, each token once, on one petition (its count shards)."""
    tag = f"confirm{run}"
    after_id = world.last_signature_id()
    tokens = world.pending_signatures(petition, world.TOKENS_PER_RUN, tag=tag)
    tokens_file = Path(settings.VAR_DIR) / "tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    with reading_count(server, petition):
        result = Load("confirm.lua", CONNECTIONS, {"BENCH_TOKENS": str(tokens_file)}).run(server)
        converged_s = converged_after(server, petition, time.monotonic())
    acknowledged = result.statuses.get(303, 0)
    rows = world.tagged(petition, tag, after_id=after_id)
    stored = sum(state == SignatureState.CONFIRMED for _pk, state, _email in rows)
    return {
        "rate": result.rate(303),
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors(303),
        "lost": max(0, acknowledged - stored),
        "tokens_left": len(tokens) - sum(result.statuses.values()),
        "converged_s": converged_s,
        **cpu_per(result.cpu, acknowledged),
        "others_cpu": result.others_cpu,
    }


def signing(server, petition, run: int) -> dict:
    """Sign-form POSTs on one petition, each with a new email; then every acknowledged
    signature is looked for in the database, the outbox is drained, a sample is confirmed and
    the shown count watched until it is right."""
    tag = f"sign{run}"
    path = f"/kk/p/{petition.slug}/sign/"
    after_id = world.last_signature_id()
    outbox_after = OutgoingEmail.objects.aggregate(last=Max("pk"))["last"] or 0
    meter = CpuMeter()  # until the worker has sent the emails too
    result = Load("traffic.lua", CONNECTIONS, {"BENCH_SIGN": path, "BENCH_TAG": tag}).run(server)
    acknowledged = result.statuses.get(303, 0)
    # Compared in Python: names and emails are encrypted at rest.
    rows = world.tagged(petition, tag, after_id=after_id)
    stored = len(rows)
    queued = {
        to
        for to in OutgoingEmail.objects.filter(pk__gt=outbox_after)
        .values_list("to", flat=True)
        .iterator(5000)
        if to.startswith(f"{tag}-")
    }
    backlog, drained_s = drain_outbox()
    cpu = meter.read()
    pending = [pk for pk, state, _email in rows if state == SignatureState.PENDING][:SIGN_SAMPLE]
    tokens = world.new_tokens_for(list(Signature.objects.filter(pk__in=pending)))
    with reading_count(server, petition):
        with ThreadPoolExecutor(4) as pool:
            confirmed = sum(pool.map(lambda token: confirm(server, token), tokens))
        converged_s = converged_after(server, petition, time.monotonic())
    return {
        "rate": result.rate(303),
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors(303),
        "lost": max(0, acknowledged - stored),
        "emails_missing": sum(email not in queued for _pk, _state, email in rows),
        "email_backlog": backlog,
        "email_rate": backlog / drained_s if backlog else None,
        "sample_unconfirmed": len(tokens) - confirmed,
        "converged_s": converged_s,
        **cpu_per(cpu, acknowledged),
        "others_cpu": result.others_cpu,
    }


def flash_crowd(server, hot, others, run: int) -> dict:
    """Readers and signers on the other petitions, alone and then beside ten times as many on
    one petition."""

    def traffic(petitions, tag):
        return {
            "BENCH_READ": ",".join(f"/kk/p/{p.slug}/" for p in petitions),
            "BENCH_SIGN": ",".join(f"/kk/p/{p.slug}/sign/" for p in petitions),
            "BENCH_SIGN_SHARE": SIGN_SHARE,
            "BENCH_TAG": tag,
        }

    alone = Load("traffic.lua", OTHERS_CONNECTIONS, traffic(others, f"alone{run}")).run(server)
    drain_outbox()
    crowd_connections = CROWD_FACTOR * OTHERS_CONNECTIONS
    crowd = Load("traffic.lua", crowd_connections, traffic([hot], f"crowd{run}")).start(server)
    beside = Load("traffic.lua", OTHERS_CONNECTIONS, traffic(others, f"beside{run}")).run(server)
    crowd = crowd.result()
    drain_outbox()
    return {
        "alone_p50_ms": alone.p50_ms,
        "alone_p99_ms": alone.p99_ms,
        "others_p50_ms": beside.p50_ms,
        "others_p99_ms": beside.p99_ms,
        "others_rate": beside.rate(200) + beside.rate(303),
        "hot_rate": crowd.rate(200) + crowd.rate(303),
        "hot_p50_ms": crowd.p50_ms,
        "hot_p99_ms": crowd.p99_ms,
        "errors": alone.errors(200, 303) + beside.errors(200, 303) + crowd.errors(200, 303),
        "others_cpu": max(alone.others_cpu, beside.others_cpu),
    }


def confirm(server, token: str) -> bool:
    path = f"/kk/confirm/{token}/"
    return get(server.url(path), data=b"", origin=server.origin)[0] == 303


@contextlib.contextmanager
def reading_count(server, petition):
    """Readers of count.json meanwhile, as open pages refresh it: each web worker then holds
    a cached count, which a confirmation in another worker does not clear."""
    stop = threading.Event()

    def read():
        while not stop.wait(0.02):
            get(server.url(f"/p/{petition.slug}/count.json"))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield
    finally:
        stop.set()
        reader.join()


def converged_after(server, petition, since: float) -> float | None:
    """Seconds from `since` until count.json shows the true count, and goes on showing it for
    a second (each web worker caches the count on its own). The truth is read at every poll:
    requests still in the server when the load stopped may confirm a few more."""
    url = server.url(f"/p/{petition.slug}/count.json")
    right_since = None
    while time.monotonic() < since + 30:
        status, body = get(url)
        now = time.monotonic()
        if status == 200 and json.loads(body)["count"] == world.confirmed(petition):
            right_since = right_since or now
            if now - right_since >= 1:
                return right_since - since
        else:
            right_since = None
        time.sleep(0.05)
    return None


def drain_outbox(limit: float = 120) -> tuple[int, float]:
    """Wait until the worker has sent every queued email; (emails waiting, seconds taken)."""
    waiting = OutgoingEmail.objects.exclude(state__in=["sent", "failed"])
    backlog = waiting.count()
    started = time.monotonic()
    while waiting.exists() and time.monotonic() < started + limit:
        time.sleep(0.25)
    return backlog, time.monotonic() - started


if __name__ == "__main__":
    main(Path(sys.argv[1]))
