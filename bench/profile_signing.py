"""What one signature costs in-process, through the production WSGI application.

    .venv/bin/python -m bench.profile_signing [--requests N] [--profile [--dump F]] [--postgresql]
    .venv/bin/python -m bench.profile_signing --instructions [--postgresql]
    ... [--confirming]: the POST that confirms a signature, instead of the one that signs

Sets up a throwaway database (SQLite in a temporary directory, or PostgreSQL's
`undeu_profile` database), one open petition, and sends signing POSTs straight into
`undeu.wsgi.application` (the page cache, Django, every middleware, the view, the database),
each with a new email, as wrk does in `make bench`. Prints the CPU time per signature; with
`--profile`, cProfile's top functions. Without the HTTP server, this is the part of a
signature's cost that is ours: the figure to lower for issue 4's signing target.

With `--instructions`, it runs itself twice under valgrind's callgrind, at N (at most 300) and
3N requests, and prints the difference in instructions per signature: unlike CPU time, which
moves by a fifth between runs of the same code on a shared virtual machine, that count is the
same whatever else the machine does (about a minute). It counts this process only: on
PostgreSQL, the client side.

With `--confirming`, each request is the POST behind a confirmation email's link, for a pending
signature of its own (made directly in the database, as bench/world.py makes them for
`make bench`), as confirm.lua sends them.
"""

import argparse
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "undeu_profile"


def environment(postgresql: bool, var_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undeu.settings")
    os.environ.update(
        {
            "SECRET_KEY": "profile-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "UNDEU_HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "UNDEU_VAR_DIR": var_dir,
            "UNDEU_MAIL": "smtp",
            # As in `make bench`: behind one proxy, each signer from an address of its own.
            "UNDEU_TRUSTED_PROXIES": "1",
        }
    )
    for key in ("DEBUG", "REDIS_URL", "UNDEU_SITE_URL", "DATABASE_URL"):
        os.environ.pop(key, None)
    if postgresql:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        os.environ["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DATABASE


def environ_for(path: str, body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ORIGIN": "http://127.0.0.1:8000",
        "HTTP_USER_AGENT": "wrk",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def database_server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    user, system = int(fields[11]), int(fields[12])
    if os.environ.get("PROFILE_SPLIT"):
        print(f"backend user {user} system {system} ticks")
    return (user + system) / os.sysconf("SC_CLK_TCK")


def toggle_instrumentation(state: str) -> None:
    """callgrind_control switches this process's instrumentation (valgrind runs it)."""
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True)


def instructions_per_signature(
    requests: int, warmup: int, postgresql: bool, confirming: bool = False
) -> float:
    """Instructions per signature: this module under callgrind at `requests` and 3 times as
    many, the difference divided by the difference in signatures (what the start, the warm-up
    and switching the count on and off cost is the same in both and cancels out)."""
    counts = []
    for n in (requests, 3 * requests):
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.profile_signing",
            "--callgrind",
            "--requests",
            str(n),
            "--warmup",
            str(warmup),
            *(["--postgresql"] if postgresql else []),
            *(["--confirming"] if confirming else []),
        ]
        # Our own command, never through a shell.
        run = subprocess.run(command, capture_output=True, text=True, check=True)  # nosec B603
        collected = re.search(r"Collected : (\d+)", run.stderr)
        if collected is None:
            raise RuntimeError(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
        counts.append(int(collected.group(1)))
    return (counts[1] - counts[0]) / (2 * requests)


def what(options) -> str:
    return "confirmation" if options.confirming else "signature"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--dump", help="with --profile: also write cProfile's data to this file")
    parser.add_argument(
        "--confirming",
        action="store_true",
        help="the POST that confirms a signature (a pending one for each request)",
    )
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="under valgrind --instr-atstart=no: count instructions of the measured requests only",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="run under callgrind at N and 3N requests: instructions per signature",
    )
    options = parser.parse_args()
    if options.instructions:
        requests = min(options.requests, 300)  # callgrind runs Python about 50 times slower
        count = instructions_per_signature(
            requests, options.warmup, options.postgresql, options.confirming
        )
        database = "PostgreSQL (client side)" if options.postgresql else "SQLite"
        print(f"{database}: {count:,.0f} instructions per {what(options)}")
        return

    var_dir = tempfile.mkdtemp(prefix="undeu-profile-")
    environment(options.postgresql, var_dir)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import world
    from undeu.defence.limits import forget_expired  # noqa: F401 - imported as serving does

    petition = world.open_petition("profile")
    tokens = (
        world.pending_signatures(petition, options.warmup + options.requests, tag="profile")
        if options.confirming
        else []
    )

    from undeu.wsgi import application

    path = "/kk/p/profile/sign/"
    statuses = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    # The traffic of bench/lua/traffic.lua: a new email at a common provider and an address of
    # its own for every signature, so the rate limits count each one as in production.
    providers = ["gmail.com", "mail.ru", "yandex.ru", "inbox.ru", "outlook.com"]
    chance = random.Random(4)

    def one(i: int) -> None:
        if options.confirming:
            for chunk in application(environ_for(f"/kk/confirm/{tokens[i]}/", b""), start_response):
                del chunk
            return
        body = (
            f"full_name=%D0%90%D0%B9%D0%B3%D0%B5%D1%80%D1%96%D0%BC+{i}&email=signer-{i}"
            f"%40{providers[i % len(providers)]}&country=KZ"
            "&city=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B&show_name=on"
        ).encode()
        environ = environ_for(path, body)
        environ["HTTP_X_FORWARDED_FOR"] = ".".join(
            str(chance.randint(low, high)) for low, high in ((1, 223), (0, 255), (0, 255), (1, 254))
        )
        for chunk in application(environ, start_response):
            del chunk

    for i in range(options.warmup):
        one(i)
    statuses.clear()
    first = options.warmup
    profiler = None
    if options.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if options.callgrind:
        toggle_instrumentation("on")
    server = database_server_cpu()
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(first, first + options.requests):
        one(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server = database_server_cpu() - server
    if options.callgrind:
        toggle_instrumentation("off")
    if profiler is not None:
        profiler.disable()
    database = "PostgreSQL (client side)" if options.postgresql else "SQLite"
    each = what(options)
    print(f"{database}: {options.requests} {each}s, answers {statuses}")
    print(f"CPU per {each}: {cpu / options.requests * 1000:.3f} ms")
    print(f"wall per {each}: {wall / options.requests * 1000:.3f} ms")
    if options.postgresql:
        print(f"PostgreSQL server CPU per {each}: {server / options.requests * 1000:.3f} ms")
    if profiler is not None:
        import pstats

        if options.dump:
            profiler.dump_stats(options.dump)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
