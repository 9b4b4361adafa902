"""Which petition a signing address is for, and whether it is open: asked by every signature.

In a surge nearly every signature is for one of a few open petitions, and reading the same row
again for each was a statement of its own (on PostgreSQL a round trip) out of three. So each
process keeps what it read, for open petitions only, for UNDEU_DEFENCE_REFRESH_SECONDS, as it
keeps the site-wide defence switch: closing a petition, taking it down or switching its defence
takes effect on signing in every process within that time, and at once in the process that did
it: the transitions and the defence switch call `forget`, and any other save of a petition (the
admin's form) does through `forget_saved`. A closed petition already takes signatures until the
worker's deadline job closes it (once a minute), and a signature made a moment late is pending,
counted only if confirmed while the petition accepts confirmations
(`Petition.accepts_confirmations`).
"""

from functools import cache
from time import monotonic

from django.conf import settings
from django.db import connection, transaction

from undeu.core.prepared import prepared_cursor
from undeu.petitions.models import Petition, PetitionState

# slug -> (id, defence mode, when it was read); open petitions only. A site has far fewer open
# petitions than this; past it the whole map is dropped (addresses made up to fill it).
_kept: dict[str, tuple[int, str, float]] = {}
MAX_KEPT = 10_000


@cache
def _open_petition_sql() -> str:
    table, quote = Petition._meta.db_table, connection.ops.quote_name
    slug, state, defence = (
        quote(Petition._meta.get_field(name).column) for name in ("slug", "state", "defence")
    )
    # Identifiers from the model's own metadata, quoted; the values are parameters.
    return f"SELECT id, {defence} FROM {quote(table)} WHERE {slug} = %s AND {state} = %s"  # noqa: S608  # nosec B608


def read_open_petition(slug: str) -> tuple[int, str] | None:
    """The id and defence mode of the open petition at this address, read now; None when there
    is none (unknown, closed, taken down...). Plain SQL: through the ORM, building this
    one-line query cost more than running it."""
    with prepared_cursor() as cursor:
        cursor.execute(_open_petition_sql(), [slug, PetitionState.OPEN.value])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def open_petition(slug: str) -> tuple[int, str] | None:
    """`read_open_petition`, at most UNDEU_DEFENCE_REFRESH_SECONDS old."""
    now = monotonic()
    kept = _kept.get(slug)
    if kept is not None and now - kept[2] < settings.UNDEU_DEFENCE_REFRESH_SECONDS:
        return kept[0], kept[1]
    found = read_open_petition(slug)
    if found is None:
        _kept.pop(slug, None)
    else:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[slug] = (*found, now)
    return found


def forget(slug: str) -> None:
    """Read this petition again at its next signature: a petition closed here must not take
    another signature here. Now, for this transaction, which sees its own change; and once it
    commits, for another thread that read the row meanwhile."""
    _kept.pop(slug, None)
    transaction.on_commit(lambda: _kept.pop(slug, None))


def forget_saved(sender, instance: Petition, **kwargs) -> None:
    """post_save of a petition: its state, defence or address may have changed."""
    forget(instance.slug)


def forget_all() -> None:
    _kept.clear()
