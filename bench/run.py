"""`make bench`: Undeu's production server under a surge, on SQLite and then PostgreSQL.

Measures the ceiling (a constant view on the same stack), then runs bench/suite.py once per
database in a throwaway environment (its own SECRET_KEY, a temporary UNDEU_VAR_DIR, its own
PostgreSQL database), and prints one Markdown table: each figure beside its target and the
ceiling. docs/performance.md says what each figure means and how to read it.

    .venv/bin/python -m bench.run [--json results.json]
"""

import argparse
import contextlib
import json
import os
import platform
import pwd
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import django
import granian
import psycopg

from bench.load import (
    BIG_SIGNATURES,
    CONNECTIONS,
    DRAIN_EMAILS,
    PG_DATABASE,
    ROOT,
    RUNS,
    SECONDS,
    WEB_THREADS,
    WEB_WORKERS,
    Load,
    Server,
    cpu_per,
)
from bench.report import NAMES, table, worst_others_cpu

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
PG_TABLESPACE = f"{PG_DATABASE}_space"  # in the temporary directory, with the database in it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    started = time.monotonic()
    started_at = datetime.now(UTC)
    var_dir = Path(tempfile.mkdtemp(prefix="undeu-bench-"))
    # Nothing from the caller's settings: the bench runs Undeu's defaults but for these.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("UNDEU_", "EMAIL_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY_FILE", "LOG_LEVEL"}
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "undeu.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "UNDEU_HTTPS": "0",
        "UNDEU_VAR_DIR": str(var_dir),
        # Every email goes over SMTP to the bench's own SMTP server (bench/smtp_sink.py), which
        # each suite starts and whose port it adds: the worker does all of its work.
        "UNDEU_MAIL": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        # wrk stands for the proxy in front: each signing POST says the address it came from.
        "UNDEU_TRUSTED_PROXIES": "1",
        "BENCH_ROOT_PID": str(os.getpid()),
    }
    try:
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        results = {"ceiling": ceiling(env, var_dir)}
        for database in DATABASES:
            print(f"== {NAMES[database]} ==", file=sys.stderr, flush=True)
            with database_url(database, var_dir) as url:
                db_env = {**env, "DATABASE_URL": url} if url else env
                out = var_dir / f"{database}.json"
                suite = [sys.executable, "-m", "bench.suite", str(out)]
                subprocess.run(suite, cwd=ROOT, env=db_env, check=True)
                results[database] = json.loads(out.read_text())
    except BaseException:
        remove_sqlite_files(var_dir)  # gigabytes with the big petition; the logs are small
        print(f"Logs are kept in {var_dir}", file=sys.stderr)
        raise
    results["started"] = f"{started_at:%Y-%m-%d %H:%M} UTC"
    results["minutes"] = (time.monotonic() - started) / 60
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(report(results))
    shutil.rmtree(var_dir)


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def ceiling(env: dict, var_dir: Path) -> list[dict]:
    """A constant view through Undeu's settings and middleware on the same server."""
    server = Server(
        var_dir / "serve-ceiling.log",
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.ceiling"},
        worker=False,
    )
    runs = []
    with server.start("/ceiling/"):
        Load("traffic.lua", CONNECTIONS, {"BENCH_READ": "/ceiling/"}, seconds=3).run(server)
        for _ in range(RUNS):
            result = Load("traffic.lua", CONNECTIONS, {"BENCH_READ": "/ceiling/"}).run(server)
            runs.append(
                {
                    "rate": result.rate(200),
                    "p50_ms": result.p50_ms,
                    "p99_ms": result.p99_ms,
                    "errors": result.errors(200),
                    **cpu_per(result.cpu, result.statuses.get(200, 0)),
                    "others_cpu": result.others_cpu,
                }
            )
    return runs


@contextlib.contextmanager
def database_url(database: str, var_dir: Path):
    """None for SQLite (the file in UNDEU_VAR_DIR, removed after its suite); a fresh PostgreSQL
    database, dropped after, its files in UNDEU_VAR_DIR too when PostgreSQL runs on this
    machine (a tablespace)."""
    if database == "sqlite":
        try:
            yield None
        finally:
            remove_sqlite_files(var_dir)
        return
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        drop_pg_database(admin)
        tablespace = pg_tablespace(admin, var_dir / "postgresql")
        in_tablespace = f' TABLESPACE "{tablespace}"' if tablespace else ""
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"{in_tablespace}')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DATABASE
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            drop_pg_database(admin)


def drop_pg_database(admin) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    admin.execute(f'DROP TABLESPACE IF EXISTS "{PG_TABLESPACE}"')


def pg_tablespace(admin, directory: Path) -> str | None:
    """A tablespace in `directory`, so that the database's gigabytes are in the temporary
    directory; None (the server's own data directory) when PostgreSQL cannot be given one
    there: another machine, or a bench not run as root (the directory must be the postgres
    user's)."""
    try:
        owner = pwd.getpwnam("postgres")
        directory.mkdir()
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        directory.parent.chmod(0o711)  # the postgres user must get through to it
        admin.execute(f"CREATE TABLESPACE \"{PG_TABLESPACE}\" LOCATION '{directory}'")
    except (KeyError, OSError, psycopg.Error) as error:
        print(f"PostgreSQL keeps {PG_DATABASE} in its own directory: {error}", file=sys.stderr)
        return None
    return PG_TABLESPACE


def remove_sqlite_files(var_dir: Path) -> None:
    for path in var_dir.glob("undeu.sqlite3*"):
        path.unlink()


def report(results: dict) -> str:
    databases = [d for d in DATABASES if d in results]
    notes = [
        f"Undeu bench, {results['started']}, {setup_line()}.",
        f"Each figure: median of {RUNS} runs of {SECONDS} s (errors and losses: the sum of the"
        " runs; how long a count lags: the worst run).",
        f"Pages at scale: petitions of 1,000 and {BIG_SIGNATURES:,} signatures, taking turns."
        f" The drain of {DRAIN_EMAILS:,} queued emails to the bench's SMTP server: once per"
        f" database, with up to {RUNS} signing runs during it (their median). All email goes"
        " over SMTP to that server.",
        f"Other processes (and the hypervisor's other guests) took at most"
        f" {worst_others_cpu(results, databases):.0%} of the machine during a measurement."
        f" `make bench` took {results['minutes']:.1f} min.",
    ]
    shortfall = [NAMES[d] for d in databases if min_tokens_left(results[d]) <= 0]
    if shortfall:
        notes.append(
            f"Confirmations ran out of tokens on {', '.join(shortfall)}: raise TOKENS_PER_RUN."
        )
    return "\n".join(notes) + "\n\n" + table(results, databases) + "\n"


def min_tokens_left(result: dict) -> int:
    return min(run["tokens_left"] for run in result["confirm"])


def web_processes() -> str:
    if WEB_WORKERS:
        return f"{WEB_WORKERS} processes"
    from undeu.core.management.commands.serve import default_workers

    sqlite, postgresql = default_workers("sqlite3"), default_workers("postgresql")
    return f"{sqlite} processes on SQLite and {postgresql} on PostgreSQL"


def setup_line() -> str:
    postgres = "?"
    with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN_URL) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return (
        f"{os.cpu_count()} cores; Python {platform.python_version()}, Django {django.__version__},"
        f" granian {granian.__version__} ({web_processes()}, {WEB_THREADS} thread(s) each) and"
        f" the worker; SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres};"
        f" wrk 1 thread, {CONNECTIONS} connections"
    )


if __name__ == "__main__":
    main()
