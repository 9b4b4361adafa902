"""Re-encrypt every encrypted value with the first key of UNDEU_SIGNER_KEYS (core/reencrypt.py).

The rotation: generate a key (`--new-key`), put it first in UNDEU_SIGNER_KEYS on every process
(new values are then written with it, old ones still read), run this, then remove the old key.
Safe to run while the site signs, and to run again if it was stopped.
"""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from undeu.core.encrypted import DecryptionError, encrypted_fields
from undeu.core.reencrypt import reencrypt_table


class Command(BaseCommand):
    help = (
        "Re-encrypt signers' names and emails (and the outbox's addresses and contexts) with the"
        " first key of UNDEU_SIGNER_KEYS, in batches; resumable. --new-key prints a fresh key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new random key and change nothing."
        )
        parser.add_argument(
            "--derived-key",
            action="store_true",
            help=(
                "Print the key derived from SECRET_KEY (what is used while UNDEU_SIGNER_KEYS is"
                " unset), to list it after a new key when moving to keys of your own."
            ),
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, batch, new_key, derived_key, database, **options):
        if new_key:
            self.stdout.write(Fernet.generate_key().decode())
            return
        if derived_key:
            self.stdout.write(settings.UNDEU_SIGNER_DERIVED_KEY)
            return
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        connection = connections[database]
        for model, fields in encrypted_fields():
            table = model._meta.db_table
            try:
                tallies = reencrypt_table(
                    connection,
                    table,
                    model._meta.pk.column,
                    [field.column for field in fields],
                    batch=batch,
                )
            except DecryptionError as exc:
                raise CommandError(str(exc)) from None
            for column, tally in tallies.items():
                self.stdout.write(
                    f"{table}.{column}: {tally.examined} examined, {tally.reencrypted}"
                    f" re-encrypted, {tally.current} already under the first key or empty,"
                    f" {tally.changed_meanwhile} changed meanwhile by the site"
                )
