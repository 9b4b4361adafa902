"""Each outbox row gets the keyed hash of its recipient's mailbox (the address is encrypted and
cannot be searched), so erasing a signer's data or stopping their emails finds their emails."""

from django.db import migrations, models


def fill_digests(apps, schema_editor):
    from undeu.mail.outbox import digest_of

    OutgoingEmail = apps.get_model("mail", "OutgoingEmail")
    last = 0
    while True:
        batch = list(
            OutgoingEmail.objects.filter(pk__gt=last, recipient_digest="").order_by("pk")[:500]
        )
        if not batch:
            return
        for message in batch:
            message.recipient_digest = digest_of(message.to) if message.to else ""
        OutgoingEmail.objects.bulk_update(batch, ["recipient_digest"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("mail", "0003_encrypted_outbox")]

    operations = [
        migrations.AddField(
            model_name="outgoingemail",
            name="recipient_digest",
            field=models.CharField(
                blank=True, db_default="", db_index=True, default="", max_length=64
            ),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
    ]
