"""Who may do what with a petition on the starter's path, and the state it must be in."""

from django.conf import settings
from django.shortcuts import get_object_or_404, resolve_url
from django.urls import NoReverseMatch

from undeu.petitions.models import PUBLIC_STATES, Petition, PetitionState

# Language versions can be written while drafting and changed after publication (each change
# of a published text is kept as a revision); not while a moderator is reviewing it.
VERSION_EDITABLE_STATES = (PetitionState.DRAFT, *PUBLIC_STATES)


class NotEditable(Exception):
    """The petition is not (or no longer) in a state in which this change is allowed."""


def own_petition(user, pk: int) -> Petition:
    """The user's own petition, or 404: someone else's petition looks like no petition."""
    return get_object_or_404(
        Petition.objects.prefetch_related("versions", "targets"), pk=pk, starter=user
    )


def locked_petition(pk: int, user, states) -> Petition:
    """The petition's row, locked until the end of the current transaction, if it is the user's
    and in one of `states`; NotEditable otherwise. Call inside transaction.atomic()."""
    petition = Petition.objects.select_for_update().filter(pk=pk, starter=user).first()
    if petition is None or petition.state not in states:
        raise NotEditable(pk)
    return petition


def email_is_verified(user) -> bool:
    """Whether the user has proved they own their email address (required to submit).

    Imported when called: the accounts app owns the rule, and importing it here at module level
    would load allauth's models while the app registry is still being filled.
    """
    from undeu.accounts.verification import has_verified_email

    return has_verified_email(user)


def verify_email_url() -> str:
    """Where a starter adds and verifies an email address (allauth's email page)."""
    for target in ("account_email", settings.LOGIN_URL):
        try:
            return resolve_url(target)
        except NoReverseMatch:
            continue
    return "/"
