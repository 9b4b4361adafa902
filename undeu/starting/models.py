from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Petition


class PetitionRevision(models.Model):
    """The text a published language version had before its starter changed it.

    Written in the transaction that changes the version, so the public list of changes is
    complete: the text after a revision is the next revision of that language, or the version
    as it is now. A version added after publication gets a revision with empty text, so its
    arrival is listed too.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200, blank=True)
    demand = models.TextField(_("what the petition asks"), blank=True)
    body = models.TextField(_("why (Markdown)"), blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier text of a version")
        verbose_name_plural = _("earlier texts of versions")
        ordering = ["petition", "language", "created_at", "id"]
        indexes = [models.Index(fields=["petition", "-created_at"], name="revision_by_petition")]

    def __str__(self):
        return f"{self.petition_id} [{self.language}] {self.created_at:%Y-%m-%d %H:%M}"


class PetitionImageText(models.Model):
    """The text alternative of a petition's image, in one language.

    Kept per language because the page shows one language version and its image together: a
    screen reader should read the description in the language of the text around it. Petition
    has no field for it, and the version model belongs to the petitions app.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="image_texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    alt = models.CharField(_("image description"), max_length=300)

    class Meta:
        verbose_name = _("image description")
        verbose_name_plural = _("image descriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "language"], name="one_image_text_per_language"
            )
        ]

    def __str__(self):
        return f"{self.petition_id} [{self.language}]"
