from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from undeu.petitions.text import render_body, search_document


class PetitionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting moderation")
    OPEN = "open", _("Open for signatures")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    REMOVED = "removed", _("Removed")


PUBLIC_STATES = (PetitionState.OPEN, PetitionState.CLOSED)


class DefenceMode(models.TextChoices):
    """The "under attack" switch, per petition and for the whole site (the stricter wins)."""

    OFF = "off", _("Normal")
    TIGHT = "tight", _("Under attack: tighter limits")
    PAUSED = "paused", _("Under attack: signing paused")


class Outcome(models.TextChoices):
    VICTORY = "victory", _("Victory")
    RESPONSE = "response", _("Response received")
    NO_RESPONSE = "no_response", _("No response")


class PetitionQuerySet(models.QuerySet):
    def public(self):
        return self.filter(state__in=PUBLIC_STATES)

    def open(self):
        return self.filter(state=PetitionState.OPEN)


class Petition(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    state = models.CharField(
        _("state"), max_length=16, choices=PetitionState.choices, default=PetitionState.DRAFT
    )
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("starter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petitions",
    )
    starter_name = models.CharField(_("starter's public name"), max_length=120)
    primary_language = models.CharField(
        _("primary language"), max_length=8, choices=settings.LANGUAGES
    )
    video_url = models.URLField(_("video link"), blank=True)
    image = models.ImageField(_("image"), upload_to="petitions/%Y/%m/", blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # Refreshed from the count shards by the worker; used to sort lists, not shown as the count.
    signature_count = models.PositiveIntegerField(_("signatures (for sorting)"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted for moderation"), null=True, blank=True)
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    # Why a petition was rejected or taken down; shown to its starter, and on a removed page.
    moderation_reason = models.CharField(_("moderation reason"), max_length=200, blank=True)
    moderation_note = models.TextField(_("moderation note"), blank=True)
    # A moderator's edit lock: taken with a conditional UPDATE, expires on its own.
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField(_("response received"), blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    defence = models.CharField(
        _("under attack"), max_length=8, choices=DefenceMode.choices, default=DefenceMode.OFF
    )

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        indexes = [
            models.Index(fields=["state", "-signature_count"], name="petition_popular"),
            models.Index(fields=["state", "-published_at"], name="petition_newest"),
        ]

    def __str__(self):
        return self.slug

    @cached_property
    def versions_by_language(self) -> dict[str, "PetitionVersion"]:
        return {version.language: version for version in self.versions.all()}

    def version_for(self, language: str) -> "PetitionVersion":
        """The version in `language`, else the primary one, else any."""
        versions = self.versions_by_language
        return (
            versions.get(language)
            or versions.get(self.primary_language)
            or next(iter(versions.values()))
        )

    @property
    def is_open(self) -> bool:
        return self.state == PetitionState.OPEN

    def accepts_confirmations(self, now=None) -> bool:
        """Open petitions, and closed ones for a grace period, so a late email still counts."""
        if self.state == PetitionState.OPEN:
            return True
        if self.state == PetitionState.CLOSED and self.closed_at:
            grace = timezone.timedelta(hours=settings.UNDEU_CONFIRM_GRACE_HOURS)
            return (now or timezone.now()) <= self.closed_at + grace
        return False


class PetitionVersion(models.Model):
    """The petition's text in one language. A petition has one or more."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    demand = models.TextField(_("what the petition asks"), max_length=1000)
    body = models.TextField(_("why (Markdown)"), max_length=20000)
    body_html = models.TextField(editable=False)
    search_text = models.TextField(editable=False)

    class Meta:
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "language"], name="one_version_per_language"
            )
        ]
        ordering = ["petition", "language"]

    def __str__(self):
        return f"{self.petition.slug} [{self.language}]"

    def save(self, *args, **kwargs):
        self.body_html = render_body(self.body)
        self.search_text = search_document(self.title, self.demand, self.body)
        super().save(*args, **kwargs)


class Target(models.Model):
    """A decision-maker the petition is addressed to."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="targets")
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty when the name reads the same in every language."),
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name
