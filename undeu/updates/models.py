from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Petition
from undeu.petitions.text import render_body


class Update(models.Model):
    """A starter's news about their petition: on the petition page and emailed to signers who
    asked for emails."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    # Set when the last batch of emails about it was queued.
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        indexes = [models.Index(fields=["petition", "-created_at"], name="update_newest")]

    def __str__(self):
        return f"{self.petition_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    def text_for(self, language: str, texts=None) -> "UpdateText":
        """The text in `language`, else in the petition's primary language, else any."""
        by_language = {text.language: text for text in (texts or self.texts.all())}
        return (
            by_language.get(language)
            or by_language.get(self.petition.primary_language)
            or next(iter(by_language.values()))
        )


class UpdateText(models.Model):
    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), max_length=20000)
    body_html = models.TextField(editable=False)

    class Meta:
        verbose_name = _("update text")
        verbose_name_plural = _("update texts")
        constraints = [
            models.UniqueConstraint(fields=["update", "language"], name="one_text_per_language")
        ]

    def __str__(self):
        return f"{self.update_id} [{self.language}]"

    def save(self, *args, **kwargs):
        self.body_html = render_body(self.body)
        super().save(*args, **kwargs)


class Mailing(models.Model):
    """One email (an update, an outcome) to every confirmed signer who asked for emails,
    queued in batches by signature id.

    `last_signature_id` is the progress: a batch advances it with a conditional UPDATE in the
    same transaction that queues its emails, so a crash loses nothing and a second worker never
    queues the same batch twice. Signatures made after the mailing started are not included.
    """

    class Kind(models.TextChoices):
        UPDATE = "petition_update", _("update")
        OUTCOME = "petition_outcome", _("outcome")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="mailings")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    update = models.ForeignKey(
        Update, null=True, blank=True, on_delete=models.CASCADE, related_name="mailings"
    )
    # Absolute links in the emails start with this (the origin the starter used, or SITE_URL).
    base_url = models.CharField(max_length=200)
    until_signature_id = models.BigIntegerField(default=0)
    last_signature_id = models.BigIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    progressed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mailing to signers")
        verbose_name_plural = _("mailings to signers")
        indexes = [models.Index(fields=["finished_at", "progressed_at"], name="mailing_unfinished")]

    def __str__(self):
        return f"{self.kind} #{self.pk} on {self.petition_id}"
