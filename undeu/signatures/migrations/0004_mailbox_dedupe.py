"""Existing signatures get their mailbox's email domain, and a dedupe key of their mailbox (the
provider's rules applied, as new signatures have). Where two rows of one petition turn out to be
one mailbox, the later one keeps its old key: both stay as they were, for a moderator to judge.

In SQL where it can be (every row's domain); row by row only for the providers with rules."""

from django.conf import settings
from django.db import IntegrityError, migrations, transaction
from django.db.models import F, Value
from django.db.models.functions import StrIndex, Substr


def forwards(apps, schema_editor):
    from undeu.signatures.identity import email_digest

    Signature = apps.get_model("signatures", "Signature")
    Signature.objects.update(email_domain=Substr(F("email"), StrIndex(F("email"), Value("@")) + 1))
    for alias, domain in settings.UNDEU_EMAIL_SAME_DOMAINS.items():
        Signature.objects.filter(email_domain=alias).update(email_domain=domain)
    with_rules = {
        *settings.UNDEU_EMAIL_SAME_DOMAINS.values(),
        *settings.UNDEU_EMAIL_IGNORE_DOTS,
        *settings.UNDEU_EMAIL_IGNORE_TAGS,
    }
    candidates = Signature.objects.filter(email_domain__in=with_rules).order_by("pk")
    for pk, email, digest in candidates.values_list("pk", "email", "email_digest").iterator(2000):
        new_digest = email_digest(email)
        if new_digest == digest:
            continue
        try:
            with transaction.atomic():
                Signature.objects.filter(pk=pk).update(email_digest=new_digest)
        except IntegrityError:
            pass


class Migration(migrations.Migration):
    dependencies = [("signatures", "0003_abuse_defences")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
