"""SQLite: a process's writers take turns on a lock before SQLite's, and always give it back."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

from tests.race import simultaneously
from undeu.core.sqlite import base as sqlite_base
from undeu.mail.models import OutgoingEmail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock only"),
]


def queue(n):
    OutgoingEmail.objects.create(kind="k", to=f"p{n}@example.com", language="kk")


def test_writers_in_many_threads_all_get_their_turn():
    def write(i):
        with transaction.atomic():
            queue(i)
            time.sleep(0.01)  # hold the lock a little, as a real transaction does
        return True

    assert simultaneously(16, write) == [True] * 16
    assert OutgoingEmail.objects.count() == 16
    assert not sqlite_base._write_turn.locked()


def test_the_turn_is_given_back_after_a_rollback():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(1)
        raise RuntimeError("the caller's error")
    assert not sqlite_base._write_turn.locked()
    assert not OutgoingEmail.objects.exists()


def test_the_turn_is_given_back_when_the_connection_closes_mid_transaction(tmp_path):
    # Its own connection to a file: the test database in memory is never really closed.
    other = sqlite_base.DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(tmp_path / "other.sqlite3")}, alias="other"
    )
    other.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert sqlite_base._write_turn.locked()
    other.close()
    assert not sqlite_base._write_turn.locked()


def test_a_writer_that_cannot_get_its_turn_fails_like_sqlite_would(settings):
    held = threading.Event()
    done = threading.Event()

    def hold():
        with transaction.atomic():
            queue(1)
            held.set()
            done.wait(5)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    connection.settings_dict["OPTIONS"]["timeout"] = 0.2
    try:
        with pytest.raises(OperationalError), transaction.atomic():
            queue(2)
    finally:
        connection.settings_dict["OPTIONS"]["timeout"] = 20
        done.set()
        holder.join()
    assert not sqlite_base._write_turn.locked()
    assert OutgoingEmail.objects.count() == 1


# --- Between processes: a lock file beside the database ----------------------------------------


def file_database(tmp_path, timeout=20):
    settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "db.sqlite3")}
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "timeout": timeout}
    return sqlite_base.DatabaseWrapper(settings_dict, alias="file")


def write_once(database) -> None:
    database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with database.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (x)")
        cursor.execute("INSERT INTO t VALUES (1)")
    database.commit()
    database.set_autocommit(True)


HOLD_THE_TURN = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def hold_the_turn(tmp_path):
    """Another process that holds the turn among processes until it is killed."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_TURN, str(tmp_path / "db.sqlite3-writers")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def assert_the_turn_is_free(tmp_path):
    """Another open file description (as another process has) can take it at once."""
    import fcntl
    import os

    fd = os.open(tmp_path / "db.sqlite3-writers", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_a_writer_waits_for_another_process_and_goes_on_when_that_one_dies(tmp_path):
    database = file_database(tmp_path, timeout=0.3)
    holder = hold_the_turn(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="other processes"):
            write_once(database)
        assert time.monotonic() - started >= 0.3
        assert not sqlite_base._write_turn.locked()  # this process's turn given back
        holder.kill()  # SIGKILL: no cleanup, the kernel releases the flock
        holder.wait(10)
        database.set_autocommit(True)
        write_once(database)
        with database.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone() == (1,)
    finally:
        holder.kill()
        database.close()


def test_the_turn_between_processes_is_given_back_after_each_transaction(tmp_path):
    database = file_database(tmp_path)
    try:
        write_once(database)
        write_once(database)
        assert_the_turn_is_free(tmp_path)
    finally:
        database.close()


def test_a_forked_process_opens_its_own_lock_file(tmp_path, monkeypatch):
    path = str(tmp_path / "db.sqlite3")
    first = sqlite_base._lock_file(path)
    assert sqlite_base._lock_file(path) == first
    monkeypatch.setattr(sqlite_base.os, "getpid", lambda: -1)
    assert sqlite_base._lock_file(path) != first


def test_an_in_memory_database_has_no_lock_file():
    assert sqlite_base._lock_file(":memory:") is None
    assert sqlite_base._lock_file("file:memorydb_default?mode=memory&cache=shared") is None


@pytest.mark.parametrize(
    "query",
    [
        "SELECT %s",
        "SELECT 1 WHERE 'a%%b' LIKE %s AND x = %s",
        "INSERT INTO t (a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING id",
        "SELECT '%%s'",
    ],
)
def test_statements_are_rewritten_for_sqlite_as_django_does_once_each(query):
    ours = sqlite_base.CursorWrapper.convert_query(None, query)
    assert ours == SQLiteCursorWrapper.convert_query(None, query)
    # Remembered, not rewritten again; and only so many are.
    assert sqlite_base.CursorWrapper.convert_query(None, query) is ours
    assert sqlite_base._qmark_style.cache_info().maxsize


# --- A write in autocommit takes the same turns ------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO t VALUES (2)",
        "UPDATE t SET x = 3",
        "DELETE FROM t WHERE x = 1",
        "REPLACE INTO t VALUES (4)",
        "WITH one AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM one",
    ],
)
def test_a_write_in_autocommit_waits_for_another_process_turn(tmp_path, statement):
    # Without the turn it would take SQLite's lock behind the back of a signer holding the
    # turn, which would then sleep in SQLite's busy handler at BEGIN IMMEDIATE.
    database = file_database(tmp_path, timeout=0.3)
    write_once(database)
    holder = hold_the_turn(tmp_path)
    try:
        with pytest.raises(OperationalError, match="other processes"), database.cursor() as cursor:
            cursor.execute(statement)
        assert not sqlite_base._write_turn.locked()
        with database.cursor() as cursor:
            cursor.execute("SELECT x FROM t")
            assert cursor.fetchall() == [(1,)]  # the refused statement changed nothing
        holder.kill()
        holder.wait(10)
        with database.cursor() as cursor:
            cursor.execute(statement)
            cursor.execute("SELECT x FROM t")
            assert cursor.fetchall() != [(1,)]
    finally:
        holder.kill()
        database.close()


def test_a_read_in_autocommit_does_not_wait_for_the_turn(tmp_path):
    database = file_database(tmp_path, timeout=0.3)
    write_once(database)
    holder = hold_the_turn(tmp_path)
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t WHERE x IN (SELECT 1 WHERE 'UPDATE' <> '')")
            assert cursor.fetchone() == (1,)
            cursor.execute("WITH one AS (SELECT 1 AS x) SELECT x FROM one")
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        holder.kill()
        database.close()


def test_a_write_in_autocommit_gives_the_turn_back(tmp_path):
    database = file_database(tmp_path)
    try:
        write_once(database)
        with database.cursor() as cursor:
            cursor.execute("UPDATE t SET x = 2")
        assert not sqlite_base._write_turn.locked()
        assert_the_turn_is_free(tmp_path)
    finally:
        database.close()


def test_a_failed_write_in_autocommit_gives_the_turn_back(tmp_path):
    database = file_database(tmp_path)
    try:
        write_once(database)
        with pytest.raises(OperationalError), database.cursor() as cursor:
            cursor.execute("UPDATE no_such_table SET x = 2")
        assert not sqlite_base._write_turn.locked()
        assert_the_turn_is_free(tmp_path)
    finally:
        database.close()


def test_a_write_in_autocommit_waits_for_the_process_turn():
    # While another thread of this process holds the turn, an UPDATE in autocommit from this
    # one waits for it (before, it took SQLite's lock if it was free).
    queue(0)
    done = threading.Event()

    def write():
        OutgoingEmail.objects.update(attempts=7)
        connection.close()
        done.set()

    assert sqlite_base._write_turn.acquire(timeout=5)
    writer = threading.Thread(target=write)
    try:
        writer.start()
        assert not done.wait(0.3)
        assert OutgoingEmail.objects.get().attempts == 0
    finally:
        sqlite_base._write_turn.release()
    assert done.wait(5)
    writer.join()
    assert OutgoingEmail.objects.get().attempts == 7


def test_writes_in_autocommit_from_many_threads_all_get_through():
    queue(0)

    def write(i):
        OutgoingEmail.objects.filter(pk__gt=0).update(attempts=i)
        return True

    assert simultaneously(16, write) == [True] * 16
    assert not sqlite_base._write_turn.locked()


def test_executemany_in_autocommit_waits_for_another_process_turn(tmp_path):
    database = file_database(tmp_path, timeout=0.3)
    write_once(database)
    holder = hold_the_turn(tmp_path)
    try:
        with pytest.raises(OperationalError, match="other processes"), database.cursor() as cursor:
            cursor.executemany("INSERT INTO t VALUES (%s)", [(2,), (3,)])
        holder.kill()
        holder.wait(10)
        with database.cursor() as cursor:
            cursor.executemany("INSERT INTO t VALUES (%s)", [(2,), (3,)])
            cursor.execute("SELECT x FROM t ORDER BY x")
            assert cursor.fetchall() == [(1,), (2,), (3,)]
    finally:
        holder.kill()
        database.close()


@pytest.mark.parametrize(
    ("query", "writes"),
    [
        ('UPDATE "mail_outgoingemail" SET "state" = %s WHERE "id" IN (%s)', True),
        ("  insert into t values (1)", True),
        ("DELETE FROM t", True),
        ("REPLACE INTO t VALUES (1)", True),
        ("WITH x AS (SELECT 1) UPDATE t SET a = 1", True),
        ("SELECT 1", False),
        ("SELECT 'UPDATE' FROM t", False),
        ('SELECT "insert" FROM t', False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ("PRAGMA wal_checkpoint(PASSIVE)", False),
        ("BEGIN IMMEDIATE", False),
        ("", False),
    ],
)
def test_which_statements_write(query, writes):
    assert sqlite_base._writes(query) is writes
