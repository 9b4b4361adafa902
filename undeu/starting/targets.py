"""Decision-makers a petition is addressed to, as the starter thinks of them: one person or body
with a name and a role, optionally spelled differently in some languages.

Stored as Target rows that share a `position`. A decision-maker named the same in every language
is one row without a language. One with its own name in some language gets a row in every
language (its general name where none was given), because the page shows the rows of the
version's language plus the language-less ones: mixing both kinds for one person would show
them twice.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from undeu.petitions.models import Petition, PetitionState, Target
from undeu.starting.access import locked_petition

MAX_DECISION_MAKERS = 20
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class TooManyDecisionMakers(Exception):
    pass


@dataclass
class DecisionMaker:
    position: int
    name: str
    role: str
    # language -> (name, role), only where it differs from the general name and role
    in_languages: dict[str, tuple[str, str]] = field(default_factory=dict)


def decision_makers(petition: Petition) -> list[DecisionMaker]:
    rows: dict[int, list[Target]] = {}
    for target in petition.targets.all():
        rows.setdefault(target.position, []).append(target)
    found = []
    for position, targets in sorted(rows.items()):
        by_language = {t.language: t for t in targets}
        general = (
            by_language.get("")
            or by_language.get(petition.primary_language)
            or next(iter(by_language.values()))
        )
        found.append(
            DecisionMaker(
                position,
                general.name,
                general.role,
                {
                    t.language: (t.name, t.role)
                    for t in targets
                    if t.language and (t.name, t.role) != (general.name, general.role)
                },
            )
        )
    return found


def _rows(petition: Petition, position: int, name: str, role: str, in_languages) -> list[Target]:
    """`in_languages`: language -> (name, role); a language without a name has none of its own,
    and a language-specific name without a role keeps the general role."""
    given = {code: value for code, value in in_languages.items() if value[0]}
    if not given:
        return [Target(petition=petition, position=position, name=name, role=role)]
    rows = []
    for code in LANGUAGE_CODES:
        own_name, own_role = given.get(code, (name, role))
        rows.append(
            Target(
                petition=petition,
                position=position,
                language=code,
                name=own_name,
                role=own_role or role,
            )
        )
    return rows


def add_decision_maker(petition: Petition, user, *, name, role, in_languages) -> int:
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, (PetitionState.DRAFT,))
        positions = Target.objects.filter(petition=locked).values("position").distinct().count()
        if positions >= MAX_DECISION_MAKERS:
            raise TooManyDecisionMakers
        last = Target.objects.filter(petition=locked).aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
        Target.objects.bulk_create(_rows(locked, position, name, role, in_languages))
    return position


def change_decision_maker(petition: Petition, user, position: int, *, name, role, in_languages):
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, (PetitionState.DRAFT,))
        Target.objects.filter(petition=locked, position=position).delete()
        Target.objects.bulk_create(_rows(locked, position, name, role, in_languages))


def remove_decision_maker(petition: Petition, user, position: int) -> None:
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, (PetitionState.DRAFT,))
        Target.objects.filter(petition=locked, position=position).delete()
