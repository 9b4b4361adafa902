"""SQLite with write transactions queued inside each process.

SQLite has one write lock. When several threads of a process want it at once, SQLite's busy
handler does not queue them: each sleeps and retries in growing steps (up to 100 ms), so an
unlucky writer loses again and again and a signing surge gets a tail of seconds. Here the
threads of one process take their turn on a lock before BEGIN IMMEDIATE; Python's lock hands
it over as soon as it is free. Between processes (web workers, the worker) SQLite's own lock
still decides, with a handful of contenders instead of every thread.
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_write_turn = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _has_write_turn = False

    def _start_transaction_under_autocommit(self):
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))
        if not _write_turn.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for this process's writers)")
        self._has_write_turn = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_write_turn()
            raise

    def _end_write_turn(self):
        if self._has_write_turn:
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
