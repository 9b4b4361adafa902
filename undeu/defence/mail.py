"""The moderators' alert email: what the trending job found, with a link to its evidence.

Moderators have no language of their own on record, so it goes out in the instance's default
language; the alert page shows the same in the moderator's.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from undeu.defence.models import Alert
from undeu.mail.compose import register_context_builder
from undeu.mail.outbox import queue_email
from undeu.moderation.access import PERMISSION

KIND = "defence_alert"


def moderator_emails() -> list[str]:
    app_label, codename = PERMISSION.split(".")
    has_permission = Q(user_permissions__codename=codename) & Q(
        user_permissions__content_type__app_label=app_label
    )
    has_group_permission = Q(groups__permissions__codename=codename) & Q(
        groups__permissions__content_type__app_label=app_label
    )
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    emails = users.filter(Q(is_staff=True) | has_permission | has_group_permission).values_list(
        "email", flat=True
    )
    return sorted({*emails, *settings.UNDEU_ALERT_EMAILS})


def configured_base_url() -> str:
    """Links in a job's email: UNDEU_SITE_URL, else the first host the site answers to."""
    if settings.SITE_URL:
        return settings.SITE_URL
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    return f"{'https' if settings.HTTPS else 'http'}://{host.lstrip('.')}"


def alert_moderators(alert: Alert) -> None:
    """Queue the alert's email to every moderator. Call inside the transaction that made it."""
    for email in moderator_emails():
        queue_email(
            KIND,
            to=email,
            language=settings.LANGUAGE_CODE,
            context={"alert_id": alert.pk, "base_url": configured_base_url()},
        )


def _alert_context(message) -> dict:
    alert = Alert.objects.select_related("petition").get(pk=message.context["alert_id"])
    petition = alert.petition
    # Composed in the message's language, so the path has its language prefix.
    path = reverse("defence:alert", kwargs={"alert_id": alert.pk})
    return {
        "alert": alert,
        "petition": petition,
        "version": petition.version_for(message.language),
        "dimension": alert.get_dimension_display(),
        "alert_url": message.context["base_url"].rstrip("/") + path,
    }


def register() -> None:
    register_context_builder(KIND, _alert_context)
