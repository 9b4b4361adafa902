"""Whether a person has proved they own their email address (a starter must, to submit)."""

from allauth.account.models import EmailAddress


def has_verified_email(user) -> bool:
    """True when the user's primary email address is verified; False for anonymous visitors."""
    if not user.is_authenticated:
        return False
    return EmailAddress.objects.filter(user=user, primary=True, verified=True).exists()
