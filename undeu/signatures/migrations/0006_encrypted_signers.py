"""Signers' names and emails encrypted at rest (core/encrypted.py): the columns widened to the
longest token, then every existing value encrypted with the first of UNDEU_SIGNER_KEYS, in
batches. Not reversible: going back would need the plaintext in columns too short for tokens.

On SQLite, the old plaintext may linger in the database file's free pages until `VACUUM`
(docs/configuration.md)."""

from django.db import migrations

import undeu.core.encrypted


def encrypt_existing(apps, schema_editor):
    from undeu.core.reencrypt import reencrypt_table

    Signature = apps.get_model("signatures", "Signature")
    meta = Signature._meta
    columns = [meta.get_field(name).column for name in ("full_name", "email")]
    reencrypt_table(
        schema_editor.connection, meta.db_table, meta.pk.column, columns, plaintext=True
    )


class Migration(migrations.Migration):
    dependencies = [("signatures", "0005_region")]

    operations = [
        migrations.AlterField(
            model_name="signature",
            name="email",
            field=undeu.core.encrypted.EncryptedEmailField(max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="signature",
            name="full_name",
            field=undeu.core.encrypted.EncryptedCharField(
                max_length=120, verbose_name="full name"
            ),
        ),
        migrations.RunPython(encrypt_existing),
    ]
