"""Writing a language version, before or after publication.

After publication the text people signed stays on record: before a published version changes,
its previous text is saved as a PetitionRevision in the same transaction, the petition's
`updated_at` is set (the page says "Updated <date>" and links to the list of changes) and the
change is audit-logged.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from undeu.audit.log import record
from undeu.petitions.models import PUBLIC_STATES, Petition, PetitionVersion
from undeu.starting.access import VERSION_EDITABLE_STATES, locked_petition
from undeu.starting.models import PetitionRevision


@dataclass(frozen=True)
class VersionText:
    title: str
    demand: str
    body: str


def is_complete(version: PetitionVersion) -> bool:
    return bool(version.title.strip() and version.demand.strip() and version.body.strip())


def save_version(petition: Petition, user, language: str, text: VersionText) -> bool:
    """Add or change the version in `language`; returns whether anything changed."""
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, VERSION_EDITABLE_STATES)
        published = locked.state in PUBLIC_STATES
        version = PetitionVersion.objects.filter(petition=locked, language=language).first()
        if version is None:
            version = PetitionVersion(petition=locked, language=language)
            previous = VersionText("", "", "")
        else:
            previous = VersionText(version.title, version.demand, version.body)
        if previous == text and version.pk:
            return False
        now = timezone.now()
        if published:
            PetitionRevision.objects.create(
                petition=locked,
                language=language,
                title=previous.title,
                demand=previous.demand,
                body=previous.body,
                edited_by=user,
                created_at=now,
            )
        version.title, version.demand, version.body = text.title, text.demand, text.body
        version.save()
        if published:
            Petition.objects.filter(pk=locked.pk).update(updated_at=now)
            record(
                "petition.version_changed" if previous.title else "petition.version_added",
                actor=user,
                petition=locked,
                language=language,
            )
    return True
