"""Re-encrypting stored values with the first key of UNDEU_SIGNER_KEYS: the rotation's work, and
the first encryption of values stored before they were encrypted (a data migration).

A table is walked in order of its primary key, a batch per transaction. A value the first key
already decrypts is left alone, so a run that was stopped can simply be run again (it skips what
is done) and rows written meanwhile, already under the first key, cost nothing. Each value is
written back with a conditional UPDATE (only if it is still what was read), so a row the site
changed meanwhile (a signature erased, an email sent) keeps the site's change.

This works on the raw column values, in SQL of its own, because the fields decrypt on reading
and refuse comparisons.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.db import transaction

from undeu.core.encrypted import DecryptionError, encrypt, keyring, primary_key


@dataclass
class Tally:
    examined: int = 0
    reencrypted: int = 0
    current: int = 0
    changed_meanwhile: int = 0


def reencrypt_table(
    connection,
    table: str,
    pk_column: str,
    columns: Sequence[str],
    *,
    batch: int = 500,
    plaintext: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Tally]:
    """Re-encrypt every value of `columns` that the first key cannot decrypt; a Tally per column.

    With `plaintext`, a value no key decrypts is taken as not yet encrypted and encrypted (the
    data migration); otherwise it stops with DecryptionError (a key is missing)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    # Identifiers from the models' own metadata, quoted; every value is a parameter.
    select = (
        f"SELECT {quote(pk_column)}, {names} FROM {quote(table)}"  # noqa: S608  # nosec B608
        f" WHERE {quote(pk_column)} > %s ORDER BY {quote(pk_column)} LIMIT %s"
    )
    updates = {
        column: f"UPDATE {quote(table)} SET {quote(column)} = %s"  # noqa: S608  # nosec B608
        f" WHERE {quote(pk_column)} = %s AND {quote(column)} = %s"
        for column in columns
    }
    tallies = {column: Tally() for column in columns}
    after = 0
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(select, [after, batch])
            rows = cursor.fetchall()
            for pk, *values in rows:
                for column, value in zip(columns, values, strict=True):
                    tally = tallies[column]
                    tally.examined += 1
                    new = _reencrypted(value, plaintext, f"{table}.{column} of row {pk}")
                    if new is None:
                        tally.current += 1
                        continue
                    cursor.execute(updates[column], [new, pk, value])
                    if cursor.rowcount == 1:
                        tally.reencrypted += 1
                    else:
                        tally.changed_meanwhile += 1
        if not rows:
            return tallies
        after = rows[-1][0]
        if progress:
            progress(len(rows))


def _reencrypted(value: str | None, plaintext: bool, where: str) -> str | None:
    """The value under the first key, or None when it needs nothing."""
    if not value:
        return None  # NULL and "" are stored as they are
    token = value.encode()
    try:
        primary_key().decrypt(token)
        return None
    except InvalidToken:
        pass
    try:
        return keyring().rotate(token).decode()
    except InvalidToken:
        if plaintext:
            return encrypt(value)
        raise DecryptionError(
            f"{where} cannot be decrypted with any key in UNDEU_SIGNER_KEYS: put the key it was"
            " encrypted with back in the list (after the new one) and run this again"
        ) from None
