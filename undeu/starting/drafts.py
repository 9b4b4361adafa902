"""Writing a draft, step by step. Each step saves at once, so a draft can be left and resumed.

Every change locks the petition's row and checks it is still a draft: a petition submitted in
another tab cannot be changed behind the moderator's back.
"""

from django.db import transaction

from undeu.petitions.models import Petition, PetitionState, PetitionVersion
from undeu.starting.access import locked_petition
from undeu.starting.deadlines import default_deadline_day, end_of_day
from undeu.starting.slugs import save_with_unique_slug

DRAFT_ONLY = (PetitionState.DRAFT,)


def create_draft(user, *, title: str, demand: str, language: str, starter_name: str) -> Petition:
    with transaction.atomic():
        petition = Petition(
            state=PetitionState.DRAFT,
            starter=user,
            starter_name=starter_name,
            primary_language=language,
            deadline=end_of_day(default_deadline_day()),
        )
        save_with_unique_slug(petition, title)
        PetitionVersion.objects.create(
            petition=petition, language=language, title=title, demand=demand, body=""
        )
    return petition


def primary_version(petition: Petition) -> PetitionVersion | None:
    return petition.versions.filter(language=petition.primary_language).first()


def save_what(
    petition: Petition, user, *, title: str, demand: str, language: str, starter_name: str
) -> Petition:
    """Step 1: the title, the demand, the language of the first version, the starter's name.

    Choosing another language moves the first version to it (the form has checked that no other
    version is in that language); a new title gives the draft a new address.
    """
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, DRAFT_ONLY)
        version = primary_version(locked)
        title_changed = version is None or version.title != title
        if version is None:
            version = PetitionVersion(petition=locked, body="")
        version.language = language
        version.title = title
        version.demand = demand
        version.save()
        locked.primary_language = language
        locked.starter_name = starter_name
        fields = ["primary_language", "starter_name"]
        if title_changed:
            save_with_unique_slug(locked, title, update_fields=[*fields, "slug"])
        else:
            locked.save(update_fields=fields)
    return locked


def save_why(petition: Petition, user, *, body: str) -> None:
    """Step 2: why it matters, in the first version's language."""
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, DRAFT_ONLY)
        version = primary_version(locked)
        version.body = body
        version.save()


def save_details(petition: Petition, user, *, video_url: str, deadline_day) -> None:
    """Video link and deadline (both optional)."""
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, DRAFT_ONLY)
        locked.video_url = video_url
        locked.deadline = end_of_day(deadline_day) if deadline_day else None
        locked.save(update_fields=["video_url", "deadline"])
