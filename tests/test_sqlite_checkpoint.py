"""SQLite's WAL is checkpointed by the worker, not at the end of a signer's commit."""

import sqlite3

import pytest
from django.conf import settings
from django.db import connection, transaction

from undeu.core.periodic import PERIODIC_JOBS
from undeu.core.sqlite.checkpoint import checkpoint, checkpoint_wal

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL only")


def _open(path):
    """A connection set up as the site's are (the settings' init command)."""
    database = sqlite3.connect(path, isolation_level=None)
    database.executescript(settings.DATABASES["default"]["OPTIONS"]["init_command"])
    return database


def test_commits_leave_the_wal_to_the_worker_up_to_a_bound(tmp_path):
    database = _open(tmp_path / "site.sqlite3")
    cursor = database.cursor()
    assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert cursor.execute("PRAGMA wal_autocheckpoint").fetchone() == (10000,)
    cursor.execute("CREATE TABLE t (x TEXT)")
    for n in range(1500):  # past SQLite's own threshold of 1,000 pages of WAL
        cursor.execute("INSERT INTO t VALUES (?)", ["x" * 100 + str(n)])
    busy, in_wal, copied = checkpoint_wal(cursor)
    # Nothing was copied back by the commits themselves: the worker copies it all.
    assert (busy, copied) == (0, in_wal) and in_wal >= 1500
    assert checkpoint_wal(cursor) == (0, in_wal, in_wal)
    database.close()


def test_a_reader_in_the_middle_is_not_waited_for(tmp_path):
    path = tmp_path / "site.sqlite3"
    writer, reader = _open(path), _open(path)
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("INSERT INTO t VALUES (1)")
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
    writer.execute("INSERT INTO t VALUES (2)")
    # The reader's snapshot keeps the last frame: copied up to it, at once, without waiting.
    busy, in_wal, copied = checkpoint_wal(writer.cursor())
    assert busy == 0 and copied < in_wal
    reader.execute("COMMIT")
    assert checkpoint_wal(writer.cursor())[2] == in_wal
    writer.close()
    reader.close()


@pytest.mark.django_db(transaction=True)
def test_the_worker_checkpoints_every_second():
    (job,) = [job for job in PERIODIC_JOBS if job.name == "sqlite-checkpoint"]
    assert job.every_seconds == settings.UNDEU_SQLITE_CHECKPOINT_SECONDS == 1.0
    assert job.run is checkpoint
    # Through the site's own connection, in autocommit as the worker's scheduler runs it (the
    # tests' database is in memory: nothing to copy).
    assert checkpoint()[0] == 0
    # Inside a transaction SQLite refuses; the job then does nothing rather than fail.
    with transaction.atomic():
        assert checkpoint() is None
