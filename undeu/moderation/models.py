from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RejectionReason(models.Model):
    """Why a petition was rejected or taken down: an editable list, labelled in every interface
    language. The petition stores the code, so a label can be reworded without touching it."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label_kk = models.CharField(_("label in Kazakh"), max_length=200)
    label_ru = models.CharField(_("label in Russian"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive reasons are no longer offered.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["position", "code"]
        # The right to work the review queue, given to moderators who are not otherwise staff.
        permissions = [("moderate", _("Can moderate petitions and abuse reports"))]

    def __str__(self):
        return self.label()

    def label(self, language: str | None = None) -> str:
        """The label in `language` (default: the active language), else English, else the code."""
        language = (language or get_language() or "").split("-")[0]
        return getattr(self, f"label_{language}", "") or self.label_en or self.code

    @classmethod
    def label_for_code(cls, code: str, language: str | None = None) -> str:
        """The label of a stored code; the code itself when no reason has it (any more)."""
        if not code:
            return ""
        reason = cls.objects.filter(code=code).first()
        return reason.label(language) if reason else code


class AbuseReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Offensive or hateful")
    MISLEADING = "misleading", _("Misleading or false")
    PERSONAL_DATA = "personal_data", _("Publishes someone's personal data")
    ILLEGAL = "illegal", _("Illegal content")
    OTHER = "other", _("Something else")


class AbuseReport(models.Model):
    """A reader's report that a public petition breaks the rules.

    Nothing about the reporter is stored: no account, no IP address, no email.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        ACTED = "acted", _("Acted on")

    petition = models.ForeignKey(
        "petitions.Petition",
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="abuse_reports",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=AbuseReason.choices)
    text = models.TextField(_("what is wrong"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("abuse report")
        verbose_name_plural = _("abuse reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="abuse_report_queue")]

    def __str__(self):
        return f"{self.petition_id}: {self.reason} ({self.status})"
