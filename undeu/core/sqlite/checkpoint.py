"""The worker's WAL checkpoint (settings: UNDEU_SQLITE_CHECKPOINT_SECONDS).

SQLite's own automatic checkpoint runs in whichever connection commits past the threshold, at
the end of its commit: a signer's request then waits for the database file's fsync, and, since
a process's writers take turns (base.py), so does every signer queued behind it. The worker
does it instead, PASSIVE: it copies what no reader still needs, never waits for a reader or a
writer, and leaves the web processes' commits at appending to the WAL.
"""

from django.db import connection


def checkpoint_wal(cursor) -> tuple[int, int, int]:
    """One passive checkpoint: (1 if it could not run, frames in the WAL, frames copied)."""
    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    busy, in_wal, copied = cursor.fetchone()
    return busy, in_wal, copied


def checkpoint() -> tuple[int, int, int] | None:
    """A periodic job: checkpoint the default database if it is SQLite; None otherwise, and
    inside a transaction, where SQLite refuses to (the worker runs its jobs in autocommit)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        return checkpoint_wal(cursor)
