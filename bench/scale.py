"""Issue 4's scale test: two open petitions, one with 1,000 confirmed signatures and one with
BENCH_BIG_SIGNATURES (10 million), whose pages bench/suite.py measures side by side.

The signatures are real rows of the signatures table, inserted set-based in SQL (a recursive
CTE on SQLite, generate_series on PostgreSQL) before the server starts: names and emails (encrypted
in Python, one token per name shared by its rows, as SQL cannot encrypt), countries, cities,
languages and show_name spread over the rows, confirmations spread over 30 days, and
distinct email and token digests. Then the project's own recount sets the count shards.
SignatureEvent rows are not made: neither the page, nor count.json, nor the recount reads them;
the statistics' tallies are made by their rebuild, which counts the signatures themselves.

Imported only in a process where Django is set up with the bench environment.
"""

import os
import secrets
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import world
from bench.load import BIG_SIGNATURES, SMALL_SIGNATURES, median
from undeu.core.encrypted import encrypt
from undeu.signatures.counting import recount, refresh_sort_counts
from undeu.signatures.models import Signature
from undeu.stats.tallying import rebuild as rebuild_tallies

SMALL = "bench-small"
BIG = "bench-big"
# Disk per signature with its indexes (measured: about 570 bytes on SQLite and 850 on
# PostgreSQL with plaintext names and emails; their tokens add about 250), with room to spare.
BYTES_PER_SIGNATURE = 1300
SPREAD = timedelta(days=30)  # the confirmations are spread over the last 30 days
FIRST_NAMES = ["Айгерім", "Нұрлан", "Данияр", "Әсел", "Ерлан", "Мадина"]
FIRST_NAMES += ["Ольга", "Сергей", "Гүлнар", "Тимур", "Жанар", "Арман"]
LAST_NAMES = ["Сапарова", "Ахметов", "Иванова", "Оспанов", "Қасымова", "Ким"]
LAST_NAMES += ["Беков", "Нұрланова", "Петров", "Жұмабаев", "Исаева"]  # 11: coprime with 12
PLACES = [("KZ", "Алматы"), ("KZ", "Астана"), ("KZ", "Шымкент"), ("KZ", "Қарағанды")]
PLACES += [("KZ", "Ақтөбе"), ("KZ", "Павлодар"), ("KZ", "Атырау"), ("KZ", "Семей")]
PLACES += [("KZ", "Өскемен"), ("KZ", "Тараз"), ("KZ", "Алматы"), ("KZ", "Астана")]
PLACES += [("KZ", ""), ("KZ", "Қостанай"), ("RU", "Москва"), ("UZ", "Ташкент")]
PLACES += [("KG", "Бишкек"), ("DE", "Berlin"), ("TR", "İstanbul"), ("RU", "Омбы")]
REGION_OF_CITY = {
    "Алматы": "KZ-75",
    "Астана": "KZ-71",
    "Шымкент": "KZ-79",
    "Қарағанды": "KZ-35",
    "Ақтөбе": "KZ-15",
    "Павлодар": "KZ-55",
    "Атырау": "KZ-23",
    "Семей": "KZ-10",
    "Өскемен": "KZ-63",
    "Тараз": "KZ-31",
    "Қостанай": "KZ-39",
}
# A digest is the row number in 8 hex digits and then 56 hex digits of a random string, taken
# at an offset that cycles over TAIL_SPAN: distinct, 64 characters like a SHA-256, and cheap to
# make in SQL (a random digest per row, md5 or sha256 in PostgreSQL, doubled its insert time).
# Because they grow with the row number, SQLite's unique indexes (which cannot be dropped for the
# insert, as PostgreSQL's are) grow by appending: the same keys and depth as a table filled by
# real signers, with fuller pages.
TAIL_SPAN = 1000
EMAIL_TOKENS = 97  # distinct encrypted addresses (prime: a cycle of its own beside the others)


def seed() -> dict:
    """Both petitions with their signers and counts; prints and returns how long it took."""
    check_disk()
    started = time.monotonic()
    small, big = world.open_petition(SMALL), world.open_petition(BIG)
    statements = [insert_sql(small.pk, SMALL, SMALL_SIGNATURES)]
    statements.append(insert_sql(big.pk, BIG, BIG_SIGNATURES))
    if connection.vendor == "sqlite":
        insert_into_sqlite(statements)
    else:
        insert_into_postgresql(statements)
    inserted_s = time.monotonic() - started
    settle()
    settled_s = time.monotonic() - started - inserted_s
    for petition, expected in [(small, SMALL_SIGNATURES), (big, BIG_SIGNATURES)]:
        # The petition had no count yet, so what the recount repaired is its whole count.
        if (counted := recount(petition.pk)) != expected:
            raise RuntimeError(f"{petition.slug}: {counted:,} signatures, not {expected:,}")
        # The statistics' tallies (the page's small chart reads them), as the worker's rebuild.
        rebuild_tallies(petition.pk)
    refresh_sort_counts()
    figures = {
        "signatures": BIG_SIGNATURES,
        "insert_s": inserted_s,
        "insert_rate": (SMALL_SIGNATURES + BIG_SIGNATURES) / inserted_s,
        "settle_s": settled_s,
        "seed_s": time.monotonic() - started,
        "database_gb": database_bytes() / 1e9,
    }
    print(
        f"{connection.display_name}: inserted {SMALL_SIGNATURES + BIG_SIGNATURES:,} signatures"
        f" in {inserted_s:.0f} s ({figures['insert_rate']:,.0f} rows/s); {settled_s:.0f} s more"
        f" to settle, {figures['seed_s']:.0f} s in all with the recount; the database is"
        f" {figures['database_gb']:.1f} GB",
        file=sys.stderr,
        flush=True,
    )
    return figures


def render_costs(small, big) -> dict:
    """Each petition's page rendered in this process, straight through Django: what every miss
    of the page cache in front costs, apart from the cache. Prints the slowest query of the big
    petition's page when the page is not flat."""
    figures = {}
    for size, petition in [("small", small), ("big", big)]:
        figures.update({f"{size}_{key}": value for key, value in render_cost(petition).items()})
    if figures["big_render_ms"] > 2 * figures["small_render_ms"]:
        print(
            f"The page is not flat: {figures['small_render_ms']:,.0f} ms at {SMALL_SIGNATURES:,}"
            f" signatures, {figures['big_render_ms']:,.0f} ms at {BIG_SIGNATURES:,}; its slowest"
            f" query there took {figures['big_slowest_query_ms']:,.0f} ms:"
            f" {figures['big_slowest_query']}",
            file=sys.stderr,
            flush=True,
        )
    return figures


def render_cost(petition, renders: int = 5, budget_s: float = 15) -> dict:
    """Median time of a few renders of the page (after one to warm up), and its queries."""
    client = Client(HTTP_HOST="127.0.0.1")
    path = f"/kk/p/{petition.slug}/"
    client.get(path)
    times, slowest = [], (0.0, "")
    deadline = time.monotonic() + budget_s
    while len(times) < renders and time.monotonic() < deadline:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if client.get(path).status_code != 200:
                raise RuntimeError(f"{path} did not answer 200")
            times.append(time.perf_counter() - started)
        for query in queries.captured_queries:
            slowest = max(slowest, (float(query["time"]), query["sql"]))
    return {
        "render_ms": median(times) * 1000,
        "queries": len(queries.captured_queries),
        "slowest_query_ms": slowest[0] * 1000,
        "slowest_query": slowest[1],
    }


def check_disk() -> None:
    """Refuse to start what would fill the disk (the database is in UNDEU_VAR_DIR)."""
    needed = (SMALL_SIGNATURES + BIG_SIGNATURES) * BYTES_PER_SIGNATURE
    free = shutil.disk_usage(settings.VAR_DIR).free
    if needed > free:
        raise SystemExit(
            f"{BIG_SIGNATURES:,} signatures need about {needed / 1e9:.0f} GB and"
            f" {free / 1e9:.0f} GB are free in {settings.VAR_DIR}: set BENCH_BIG_SIGNATURES lower"
        )


def insert_sql(petition_id: int, slug: str, count: int) -> str:
    """One INSERT … SELECT of `count` confirmed signatures, all values computed in SQL. No
    parameters: every value in it is a number or a string made here, quoted by literal()."""
    sqlite = connection.vendor == "sqlite"
    rows = f"generate_series(1, {count}) AS i"
    hex8 = "lpad(to_hex(i), 8, '0')"
    if sqlite:
        rows = "n"
        hex8 = "printf('%08x', i)"
    email_digest = f"{hex8} || substr({literal(tail())}, 1 + i % {TAIL_SPAN}, 56)"
    token_digest = f"{hex8} || substr({literal(tail())}, 1 + i % {TAIL_SPAN}, 56)"
    confirmed_at = spread_over_days(count, minutes_before=0)
    created_at = spread_over_days(count, minutes_before=10)
    columns = "petition_id, full_name, email, email_digest, country, region, city, language,"
    columns += " wants_updates, show_name, state, token_digest, created_at, confirmed_at,"
    columns += " email_slot, email_domain, network, flags"
    sql = f"""
        INSERT INTO {Signature._meta.db_table} ({columns})
        SELECT {petition_id}, {pick(encrypted_names())}, {pick(encrypted_emails(slug))},
            {email_digest},
            {pick([country for country, _ in PLACES])}, {pick([region_of(p) for p in PLACES])},
            {pick([city for _, city in PLACES])},
            CASE WHEN i % 4 = 0 THEN 'ru' ELSE 'kk' END, i % 3 = 0, i % 5 < 3, 'confirmed',
            {token_digest}, {created_at}, {confirmed_at}, 0, 'example.org', '', ''
        FROM {rows}"""  # noqa: S608 - only numbers and literal()s made here
    if sqlite:
        numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        sql = numbers % count + sql
    return sql


def region_of(place: tuple[str, str]) -> str:
    return REGION_OF_CITY.get(place[1], "") if place[0] == "KZ" else ""


def encrypted_names() -> list[str]:
    """Every first name with every last name, encrypted as the field encrypts them (names and
    emails are encrypted at rest, and SQL cannot encrypt): one token per name, shared by the
    rows with that name."""
    return [encrypt(f"{first} {last}") for first in FIRST_NAMES for last in LAST_NAMES]


def encrypted_emails(slug: str) -> list[str]:
    """EMAIL_TOKENS encrypted addresses that the rows share, as long as their own would be."""
    return [encrypt(f"{slug}-{10**7 + k}@example.org") for k in range(EMAIL_TOKENS)]


def tail() -> str:
    return secrets.token_hex((TAIL_SPAN + 56) // 2)


def pick(values: list[str]) -> str:
    """SQL for one of `values` chosen by the row number (a different cycle per list)."""
    whens = " ".join(f"WHEN {k} THEN {literal(value)}" for k, value in enumerate(values))
    return f"CASE i % {len(values)} {whens} END"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def spread_over_days(count: int, *, minutes_before: int) -> str:
    """SQL for a time: the last row now, the first SPREAD ago, `minutes_before` earlier."""
    now = datetime.now(UTC) - timedelta(minutes=minutes_before)
    step = SPREAD / count
    if connection.vendor == "sqlite":
        # Django keeps datetimes in SQLite as UTC text; strftime makes that from a Julian day.
        julian_now = now.timestamp() / 86400 + 2440587.5
        step_days = step.total_seconds() / 86400
        return f"strftime('%Y-%m-%d %H:%M:%f', {julian_now!r} - ({count} - i) * {step_days!r})"
    step_us = step // timedelta(microseconds=1)
    return f"TIMESTAMPTZ '{now.isoformat()}' - ({count} - i) * INTERVAL '{step_us} microseconds'"


def insert_into_sqlite(statements: list[str]) -> None:
    """On a connection of its own: the server is not running yet and nothing else has the file
    open, so the insert may go without a journal (a crash now would only lose a throwaway
    database) and write each page once, where WAL would write it twice."""
    connections.close_all()
    database = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    try:
        database.execute("PRAGMA journal_mode=OFF")
        database.execute("PRAGMA synchronous=OFF")
        database.execute("PRAGMA cache_size=-1000000")  # 1 GB for the indexes
        database.execute("BEGIN")
        for sql in statements:
            database.execute(sql)
        database.execute("COMMIT")
        database.execute("PRAGMA journal_mode=WAL")  # as the project's connections have it
    finally:
        database.close()


def insert_into_postgresql(statements: list[str]) -> None:
    """In one transaction through the project's connection, the table's secondary indexes and
    unique constraints dropped first and made again from the catalog's own definitions once
    the rows are in: one sorted build each instead of 10 million insertions (about a third
    less time in all). As a superuser (the bench's usual case) it also skips the row-by-row
    check of the foreign key to the petition, which every row meets by construction: deferred,
    it queues one trigger event per row until COMMIT."""
    with transaction.atomic(), connection.cursor() as cursor:
        if is_superuser():
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # for the index builds
        rebuild = drop_secondary_indexes(cursor, Signature._meta.db_table)
        for sql in statements + rebuild:
            cursor.execute(sql)


def drop_secondary_indexes(cursor, table: str) -> list[str]:
    """Drop the table's unique constraints and its other indexes but the primary key; returns
    the statements that make them again."""
    quote = connection.ops.quote_name
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    rebuild = []
    for name, definition in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        rebuild.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {quote(name)}")
        rebuild.append(definition)
    return rebuild


def settle() -> None:
    """PostgreSQL: what autovacuum would do to a table after 10 million inserts (statistics, the
    visibility map for index-only counts), done now instead of during the measurements, and a
    checkpoint so their writes are not in a measurement either. SQLite: the file flushed to
    disk, for the same reason: inserted without a journal, its gigabytes are the kernel's dirty
    pages, written back meanwhile (a run of 2026-12-08 spent 11 minutes in its recount and
    measured signing at half the rate while that writeback went on)."""
    if connection.vendor == "sqlite":
        with open(settings.DATABASES["default"]["NAME"], "rb") as database:
            os.fsync(database.fileno())
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {Signature._meta.db_table}")
        if is_superuser():
            cursor.execute("CHECKPOINT")


def is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        return cursor.fetchone()[0] == "on"


def database_bytes() -> int:
    if connection.vendor == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        return sum(path.stat().st_size for path in name.parent.glob(f"{name.name}*"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]
