"""SQLite with write transactions queued: threads on a lock in each process, processes on a lock
file beside the database.

SQLite has one write lock. When several writers want it at once, SQLite's busy handler does not
queue them: each sleeps and retries in growing steps (1, 2, 5 ... up to 100 ms), so an unlucky
writer loses again and again (a signing surge got a tail of seconds), and while a whole web
process sleeps in that handler its CPU goes unused (two web processes signing used one core).
Here a writer first takes its process's turn (a Python lock, handed over as soon as it is free),
then the turn among processes: an flock on `<database>-writers`, tried again every fraction of a
millisecond. Only then BEGIN IMMEDIATE, which finds SQLite's lock free unless something outside
these turns (another program) holds it, when busy_timeout applies as before. An flock is released
by the kernel when its process dies, so a killed writer never leaves it held.

A statement that writes outside a transaction (an UPDATE in autocommit, as the worker marks sent
emails) takes the same turns for itself. Without them it took SQLite's lock behind the turns'
back, and a signer holding the turn then found the lock taken at BEGIN IMMEDIATE and slept in
SQLite's busy handler, 1, 2, 5 ... 100 ms at a time: signing's p99 rose from about 60-90 ms to
120-220 ms while the worker drained a queue of emails.
"""

import contextlib
import fcntl
import os
import re
import threading
import time
from functools import lru_cache

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_write_turn = threading.Lock()
_lock_files: dict[str, tuple[int, int]] = {}  # database path -> (pid, file descriptor)
_POLL_SECONDS = (0.0001, 0.0002, 0.0005, 0.001)  # then every millisecond


def _lock_file(database: str) -> int | None:
    """This process's descriptor of the database's lock file; None for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    pid = os.getpid()
    known = _lock_files.get(database)
    if known is None or known[0] != pid:  # a forked child opens its own
        fd = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _lock_files[database] = known = (pid, fd)
    return known[1]


def _take_process_turn(fd: int, deadline: float) -> bool:
    attempt = 0
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS[min(attempt, len(_POLL_SECONDS) - 1)])
            attempt += 1


@lru_cache(maxsize=2048)
def _qmark_style(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


_WRITING = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
_WORDS = re.compile(r"[A-Za-z]+")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


@lru_cache(maxsize=2048)
def _writes(query: str) -> bool:
    """Whether a statement changes rows: it starts with INSERT, UPDATE, DELETE or REPLACE, or
    with a WITH whose statement does. The words are looked for outside quotes, in the first
    4,000 characters, loosely: a false yes only makes a read wait for its turn, a false no leaves
    a write to SQLite's busy handler as before."""
    words = _WORDS.findall(_QUOTED.sub(" ", query[:4000]))
    if not words:
        return False
    first = words[0].upper()
    return first in _WRITING or (first == "WITH" and any(w.upper() in _WRITING for w in words))


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, with each statement's "%s" -> "?" rewriting done once per statement: a
    regular expression over the whole SQL on every call was a twentieth of a signature. A
    statement that writes in autocommit takes the writers' turns for itself."""

    database: "DatabaseWrapper"

    def execute(self, query, params=None):
        if self.database.needs_turn_for(query):
            with self.database.write_turn():
                return super().execute(query, params)
        return super().execute(query, params)

    def executemany(self, query, param_list):
        if self.database.needs_turn_for(query):
            with self.database.write_turn():
                return super().executemany(query, param_list)
        return super().executemany(query, param_list)

    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _has_write_turn = False
    _turn_file: int | None = None

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.database = self
        return cursor

    def needs_turn_for(self, query: str) -> bool:
        """A write in autocommit: inside a transaction the turn is held since its BEGIN."""
        return not self._has_write_turn and self.autocommit and _writes(query)

    @contextlib.contextmanager
    def write_turn(self):
        """The writers' turns for one statement in autocommit (which commits by itself). One
        with RETURNING keeps SQLite's lock until its rows are read, just after: a writer that
        takes the turn in that moment meets the busy handler once, briefly."""
        self._take_write_turn()
        try:
            yield
        finally:
            self._end_write_turn()

    def _start_transaction_under_autocommit(self):
        self._take_write_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_write_turn()
            raise

    def _take_write_turn(self):
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))
        deadline = time.monotonic() + timeout
        if not _write_turn.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for this process's writers)")
        self._has_write_turn = True
        try:
            fd = _lock_file(str(self.settings_dict["NAME"]))
            if fd is not None:
                if not _take_process_turn(fd, deadline):
                    raise OperationalError("database is locked (waited for other processes)")
                self._turn_file = fd
        except BaseException:
            self._end_write_turn()
            raise

    def _end_write_turn(self):
        if self._has_write_turn:
            if self._turn_file is not None:
                fcntl.flock(self._turn_file, fcntl.LOCK_UN)
                self._turn_file = None
            self._has_write_turn = False
            _write_turn.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._end_write_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_write_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_write_turn()
