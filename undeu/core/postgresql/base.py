"""PostgreSQL as Django has it, with a connection health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a persistent connection the first time each request uses
it by running `SELECT 1`: a round trip per request, about a twentieth of a signature's CPU in the
web process. A connection that PostgreSQL has closed (a restart, `pg_terminate_backend`,
`idle_session_timeout`) has something to read while it is idle: the server's last message or the
end of the stream. So the check first asks the kernel whether the idle connection's socket has
anything to read, which needs no round trip; only if it has, or the connection is not idle, does
Django's `SELECT 1` find out for sure. A server that vanished without a word (a cut network) is
noticed by neither check until a statement fails, as before.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.pool
            and self.health_check_enabled
            and not self.health_check_done
            and self._idle_and_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_and_quiet(self) -> bool:
        """Open, outside a transaction, and nothing from the server waiting to be read."""
        connection = self.connection
        if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
