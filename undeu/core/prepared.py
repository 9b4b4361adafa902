"""A cursor whose statements PostgreSQL parses and plans once per connection, not every time.

Django binds parameters on the client (psycopg's ClientCursor): each statement reaches
PostgreSQL as text with its values written in, and is parsed and planned anew. The few
statements of a signing surge run thousands of times a second with the same shape, and for them
that work was about a quarter of PostgreSQL's CPU per signature. They go through a cursor that
sends the values apart from the statement instead (psycopg's server-side binding), and psycopg
prepares a statement on a connection once it has run there `UNDEU_PG_PREPARE_AFTER` times
(`prepare_threshold`; 0 turns preparing off, for a pooler that cannot keep prepared statements).

Every other statement keeps Django's client-side binding: the ORM's SQL is not always valid
with server-side parameters (a parameter in GROUP BY, say), and those statements are not hot.
On SQLite this is simply Django's cursor.
"""

from django.db import connections


def prepared_cursor(using: str = "default"):
    """A cursor for statements that run often (use it as `with prepared_cursor() as cursor`).
    Statements through it are logged and wrapped as through `connection.cursor()`."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    # What `connection.cursor()` does, with the server-binding cursor in place of the client one.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(ServerBindingCursor(connection.connection))
