"""The outbox's addresses and contexts (which may name a signer) encrypted at rest, as the
signatures' are: the columns become text sized for tokens, then every existing value is
encrypted with the first of UNDEU_SIGNER_KEYS. Not reversible."""

from django.db import migrations

import undeu.core.encrypted


def encrypt_existing(apps, schema_editor):
    from undeu.core.reencrypt import reencrypt_table

    OutgoingEmail = apps.get_model("mail", "OutgoingEmail")
    meta = OutgoingEmail._meta
    columns = [meta.get_field(name).column for name in ("to", "context")]
    reencrypt_table(
        schema_editor.connection, meta.db_table, meta.pk.column, columns, plaintext=True
    )


class Migration(migrations.Migration):
    dependencies = [("mail", "0002_outbox_priority")]

    operations = [
        migrations.AlterField(
            model_name="outgoingemail",
            name="context",
            field=undeu.core.encrypted.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="outgoingemail",
            name="to",
            field=undeu.core.encrypted.EncryptedEmailField(max_length=254),
        ),
        migrations.RunPython(encrypt_existing),
    ]
