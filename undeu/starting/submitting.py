"""Sending a draft to the moderators."""

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from undeu.petitions.lifecycle import TransitionRefused, transition
from undeu.petitions.models import Petition, PetitionState
from undeu.starting.access import NotEditable, email_is_verified, locked_petition
from undeu.starting.versions import is_complete


@dataclass(frozen=True)
class Problem:
    text: str
    url: str
    link_text: str


class NotReady(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


class EmailNotVerified(Exception):
    pass


class AlreadySubmitted(Exception):
    pass


def problems(petition: Petition) -> list[Problem]:
    """What still stops this draft from being submitted, each with where to fix it."""
    found = []
    versions = list(petition.versions.all())
    if not versions:
        found.append(
            Problem(
                _("Write what your petition asks."),
                reverse("starting:what", args=[petition.pk]),
                _("What you ask"),
            )
        )
    for version in versions:
        if not is_complete(version):
            found.append(
                Problem(
                    _("A language version needs a title, a demand and a text: %(language)s.")
                    % {"language": capfirst(version.get_language_display())},
                    reverse("starting:version", args=[petition.pk, version.language]),
                    _("Finish this version"),
                )
            )
    if not petition.targets.all():
        found.append(
            Problem(
                _("Name at least one decision-maker who can do what you ask."),
                reverse("starting:targets", args=[petition.pk]),
                _("Decision-makers"),
            )
        )
    if petition.deadline and petition.deadline <= timezone.now():
        found.append(
            Problem(
                _("The deadline has passed. Choose a new one, or none."),
                reverse("starting:details", args=[petition.pk]),
                _("Video and deadline"),
            )
        )
    return found


def submit(petition: Petition, user) -> Petition:
    """Submit the user's draft for moderation, or raise AlreadySubmitted, EmailNotVerified or
    NotReady. The checks and the transition happen under the petition's row lock, so the draft
    cannot lose its last decision-maker in another tab between them."""
    if petition.state != PetitionState.DRAFT:
        raise AlreadySubmitted
    if not email_is_verified(user):
        raise EmailNotVerified
    with transaction.atomic():
        try:
            locked = locked_petition(petition.pk, user, (PetitionState.DRAFT,))
        except NotEditable:
            raise AlreadySubmitted from None
        found = problems(locked)
        if found:
            raise NotReady(found)
        try:
            return transition(locked, "submit", actor=user, submitted_at=timezone.now())
        except TransitionRefused:
            raise AlreadySubmitted from None
