"""Materialised tallies of counted signatures: by country, by region of Kazakhstan and by hour of
confirmation, per petition and for the whole instance.

A page reads a few of these rows instead of counting signatures, so it costs the same at 10
million signatures as at 1,000. The worker keeps them: it adds each new `SignatureEvent` (+1 or
-1) to the tallies of the signature's country, region and hour (`tallying.catch_up`), and a
periodic rebuild repairs any drift against the signatures themselves (`tallying.rebuild`).
"""

from django.db import models

from undeu.petitions.models import Petition


class Dimension(models.TextChoices):
    COUNTRY = "country"  # key: ISO 3166-1 alpha-2, "KZ"
    REGION = "region"  # key: ISO 3166-2:KZ, "KZ-75"; signatures without a region are not kept
    HOUR = "hour"  # key: the hour of confirmation in UTC, "2026-01-15T10" (sorts as it reads)


KEY_LENGTH = 16


class Tally(models.Model):
    """How many counted signatures of a petition have one value of one dimension."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=KEY_LENGTH)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index every read uses: a petition's dimension, in the order of its keys.
            models.UniqueConstraint(
                fields=["petition", "dimension", "key"], name="one_tally_per_key"
            )
        ]

    def __str__(self):
        return f"{self.petition_id} {self.dimension} {self.key}: {self.count}"


class SiteTally(models.Model):
    """The same for the whole instance: the sum of every petition's tallies, kept in the same
    transactions, so the statistics page reads a bounded number of rows too."""

    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=KEY_LENGTH)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "key"], name="one_site_tally")]

    def __str__(self):
        return f"{self.dimension} {self.key}: {self.count}"


class TallyProgress(models.Model):
    """One row: how far the tallies have read the signature events."""

    # The last event added to the tallies; the next run reads the events after it. Moved by a
    # conditional UPDATE in the transaction that adds them, so two workers never add the same.
    last_event_id = models.BigIntegerField(default=0)
    # When a missing event id right after `last_event_id` was first seen (a transaction still
    # open, or rolled back); the tallies wait for it for a while, then go past it.
    gap_seen_at = models.DateTimeField(null=True, blank=True)
    # How many times the instance's tallies were repaired against the petitions' (see
    # tallying.check_site); a repair applies only if none did since what it counted.
    site_repairs = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"events up to {self.last_event_id}"


class TallyCheck(models.Model):
    """A petition's last rebuild: what the next one compares with."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # How many rebuilds have repaired this petition's tallies; a repair applies only if none did
    # since the snapshot it counted in, so two at once never repair twice (as counting.recount).
    repairs = models.PositiveIntegerField(default=0)
    # The petition's last event when it was last checked, and when: a petition with no event
    # since is not counted again until a day has passed.
    checked_through = models.BigIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.petition_id}: {self.repairs} repairs"
