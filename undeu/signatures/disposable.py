"""Throwaway email domains: an address that expires in minutes lets one person sign many times.

The list is the maintained `disposable-email-domains` one (about 10,000 domains, updated with the
package). A subdomain of a listed domain is refused too. An instance can turn the check off with
UNDEU_REFUSE_DISPOSABLE_EMAIL=0.
"""

from disposable_email_domains import blocklist
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_disposable(domain: str) -> bool:
    labels = domain.lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in blocklist for i in range(len(labels) - 1))


def refuse_disposable(normalised_email: str) -> str:
    if settings.UNDEU_REFUSE_DISPOSABLE_EMAIL and is_disposable(
        normalised_email.rpartition("@")[2]
    ):
        raise ValidationError(
            _("Use an email address you keep: addresses that expire are not accepted."),
            code="disposable",
        )
    return normalised_email
