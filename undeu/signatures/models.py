from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from undeu.core.encrypted import EncryptedCharField, EncryptedEmailField
from undeu.petitions.models import Petition
from undeu.signatures import regions
from undeu.signatures.identity import email_digest, normalise_email


class SignatureState(models.TextChoices):
    PENDING = "pending", _("Awaiting email confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    INVALIDATED = "invalidated", _("Invalidated")
    FLAGGED = "flagged", _("Flagged for review")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SignatureQuerySet(models.QuerySet):
    def for_email(self, address: str):
        """The signatures of this address's mailbox. By the keyed hash of the email, since the
        email itself is encrypted and the database cannot compare it."""
        return self.filter(email_digest=email_digest(normalise_email(address)))


class Signature(models.Model):
    # No index of its own: every index below starts with the petition, and each index is one
    # more B-tree insert per signature.
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", db_index=False
    )
    # Encrypted at rest (core/encrypted.py): read them through the ORM, find by `for_email`.
    full_name = EncryptedCharField(_("full name"), max_length=120)
    email = EncryptedEmailField(_("email"), max_length=254)
    # A keyed hash of the address's mailbox (identity.mailbox): the unique constraint on it is
    # the dedupe, so two simultaneous identical signatures can only ever make one row.
    email_digest = models.CharField(max_length=64, editable=False)
    # Which of the names allowed on one shared address this is (UNDEU_NAMES_PER_EMAIL); 0 for
    # everyone on an instance that allows one name per address.
    email_slot = models.PositiveSmallIntegerField(default=0, editable=False)
    # The mailbox's domain, for the abuse defences (limits, alerts, bulk invalidation).
    email_domain = models.CharField(_("email domain"), max_length=253, blank=True)
    country = CountryField(_("country"))
    # A region of Kazakhstan by its ISO 3166-2 code (regions.py), for the counts by region;
    # kept when a signature is anonymised, so those counts still add up.
    region = models.CharField(
        _("region"), max_length=regions.MAX_LENGTH, blank=True, default="", db_default=""
    )
    city = models.CharField(_("city or region"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    wants_updates = models.BooleanField(_("wants emails about this petition"), default=False)
    show_name = models.BooleanField(_("name may be shown"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=SignatureState.choices, default=SignatureState.PENDING
    )
    # SHA-256 of the confirmation token; the token itself is only ever in the email.
    # Unique by a constraint in Meta, not `unique=True`: on PostgreSQL that would add a second
    # index (for LIKE) that no query uses, one more B-tree insert per signature.
    token_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("signed"), default=timezone.now)
    # When the signer confirmed by email; a flagged signature keeps it while not counted.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Where the request came from, kept for the abuse defences only (limits per address and
    # network, alerts, bulk invalidation by network); `network` is the /24 or /64.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    network = models.CharField(_("network"), max_length=49, blank=True)
    # Why a flagged signature was flagged: limit or check names, comma-separated.
    flags = models.CharField(_("flagged because"), max_length=200, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            # The keyed hash first: the same index then finds one signer's signatures on every
            # petition (data rights: `for_email`) as well as on one.
            models.UniqueConstraint(
                fields=["email_digest", "petition", "email_slot"], name="one_signature_per_email"
            ),
            models.UniqueConstraint(fields=["token_digest"], name="one_signature_per_token"),
        ]
        indexes = [
            models.Index(
                fields=["petition", "state", "show_name", "-confirmed_at"],
                name="signature_recent_public",
            ),
            # The trending job and bulk invalidation read a petition's signatures by time.
            models.Index(fields=["petition", "created_at"], name="signature_by_time"),
        ]

    def __str__(self):
        return f"#{self.pk} on {self.petition_id}"

    @property
    def signer_confirmed(self) -> bool:
        """The signer did confirm (counted, or flagged and so waiting for a moderator): what the
        signer is shown, since a flagged signer sees the same pages as any other."""
        return self.state == SignatureState.CONFIRMED or (
            self.state == SignatureState.FLAGGED and self.confirmed_at is not None
        )

    @property
    def flag_list(self) -> list[str]:
        return [flag for flag in self.flags.split(",") if flag]

    @property
    def public_name(self) -> str:
        """First name and the initial of the last name: "Aigerim S."."""
        parts = self.full_name.split()
        if len(parts) < 2:
            return parts[0] if parts else ""
        return f"{parts[0]} {parts[-1][0]}."


class CountShard(models.Model):
    """One slice of a petition's confirmed count.

    Confirmations add to a random shard so simultaneous confirmations rarely wait on the same
    row; the count is the sum of a petition's shards, and a periodic recount repairs any drift.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="count_shards")
    shard = models.PositiveSmallIntegerField()
    value = models.IntegerField(default=0)
    # On shard 0: how many recounts have repaired this petition's count. A recount repairs only
    # if none did since the snapshot it counted in, so two at once never repair twice.
    repairs = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "shard"], name="one_row_per_shard")
        ]

    def __str__(self):
        return f"{self.petition_id}/{self.shard}: {self.value}"


class SignatureEvent(models.Model):
    """Append-only, ordered record of what changed a count (the base of verifiable counts)."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        INVALIDATED = "invalidated", _("invalidated")
        WITHDRAWN = "withdrawn", _("withdrawn")
        # A moderator accepted a flagged signature, or undid an invalidation: counted again.
        ACCEPTED = "accepted", _("accepted by a moderator")
        REINSTATED = "reinstated", _("reinstated")

    # Indexed by event_by_petition, which starts with it.
    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    signature = models.ForeignKey(Signature, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["petition", "id"], name="event_by_petition")]

    def __str__(self):
        return f"{self.kind} {self.signature_id} on {self.petition_id}"
