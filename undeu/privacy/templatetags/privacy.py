from django import template
from django.conf import settings

from undeu.privacy import access, retention

register = template.Library()


@register.simple_tag
def signer_min_age() -> int:
    return settings.UNDEU_SIGNER_MIN_AGE


@register.inclusion_tag("privacy/_retention.html")
def retention_notice(petition):
    """When the petition's signers' names and emails will be (or were) erased."""
    return {
        "erase_on": retention.anonymisation_date(petition),
        "erased_on": retention.anonymised_on(petition),
    }


register.filter("mask_name", access.mask_name)
register.filter("mask_email", access.mask_email)
register.filter("mask_ip", access.mask_ip)
