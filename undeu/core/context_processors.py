from django.conf import settings

from undeu.core.consent import consent_from_request


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "consent": consent_from_request(request),
        "mailbox_enabled": settings.UNDEU_MAIL == "local",
    }
