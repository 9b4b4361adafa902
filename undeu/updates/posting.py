"""A starter posts an update: shown on the petition page and emailed to signers who asked."""

from django.db import transaction

from undeu.audit.log import record
from undeu.petitions.models import Petition
from undeu.updates.mailing import start_mailing
from undeu.updates.models import Mailing, Update, UpdateText


def post_update(
    petition: Petition, *, author, texts: dict[str, tuple[str, str]], base_url: str
) -> Update:
    """Publish an update with a (title, Markdown body) per language and start emailing it."""
    if not texts:
        raise ValueError("an update needs a text in at least one language")
    with transaction.atomic():
        update = Update.objects.create(petition=petition, author=author)
        for language, (title, body) in texts.items():
            UpdateText(update=update, language=language, title=title, body=body).save()
        start_mailing(petition, Mailing.Kind.UPDATE, base_url=base_url, update=update)
        record(
            "petition.update_posted",
            actor=author,
            petition=petition,
            update_id=update.pk,
            languages=sorted(texts),
        )
    return update
