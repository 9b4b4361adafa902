"""What the privacy page says, read from this instance's real settings, so it cannot drift from
what the site does: how long each thing is kept, which checks run, who sees what, whom to ask."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator


@dataclass(frozen=True)
class Contact:
    text: str
    href: str  # "" when the contact is neither an email nor a web address


def operator_contact() -> Contact | None:
    value = settings.UNDEU_PRIVACY_CONTACT
    if not value:
        return None
    try:
        EmailValidator()(value)
        return Contact(value, f"mailto:{value}")
    except ValidationError:
        pass
    try:
        URLValidator(schemes=["https", "http"])(value)
        return Contact(value, value)
    except ValidationError:
        return Contact(value, "")


def longest_limit_hours() -> int:
    """The longest rate-limit window in hours (rounded up): how long a count by address,
    network or email domain is kept; 0 when there are no limits."""
    rates = [
        *settings.UNDEU_LIMIT_PER_IP,
        *settings.UNDEU_LIMIT_PER_NETWORK,
        *settings.UNDEU_LIMIT_PER_DOMAIN,
    ]
    seconds = max((window for _count, window in rates), default=0)
    return -(-seconds // 3600)


def facts() -> dict:
    return {
        "operator": settings.UNDEU_OPERATOR_NAME,
        "contact": operator_contact(),
        "retention_days": settings.UNDEU_SIGNATURE_RETENTION_DAYS,
        "notice_days": settings.UNDEU_RETENTION_NOTICE_DAYS,
        "ip_days": settings.UNDEU_IP_RETENTION_DAYS,
        "sent_email_days": settings.UNDEU_SENT_EMAIL_DAYS,
        "min_age": settings.UNDEU_SIGNER_MIN_AGE,
        "age_checkbox": settings.UNDEU_REQUIRE_AGE_CHECKBOX,
        "checks_dns": settings.UNDEU_CHECK_EMAIL_DNS,
        "refuses_disposable": settings.UNDEU_REFUSE_DISPOSABLE_EMAIL,
        "limit_hours": longest_limit_hours(),
        "limits_in_redis": bool(settings.REDIS_URL),
        "recent_signers": settings.UNDEU_RECENT_SIGNERS,
        "names_per_email": settings.UNDEU_NAMES_PER_EMAIL,
    }
