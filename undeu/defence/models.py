from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from undeu.petitions.models import DefenceMode, Petition


class RateWindow(models.Model):
    """One rate limit's hits in one window, when no Redis is configured (see limits.py).

    The key starts with the moment the window can go (limits.window_key), so finding the
    finished windows is a range of the primary key: no index of their own, which would be
    one more B-tree insert for each new window of every signature.

    On PostgreSQL the table is UNLOGGED (migration 0003): every signature adds a hit to 6 or 7
    windows, and writing those to the write-ahead log was a sixth of PostgreSQL's CPU per
    signature (signing 728-851/s logged against 933-949 unlogged). What that gives up: after
    PostgreSQL crashes the windows are empty, and replicas have none, so the limits start
    counting again, as they do when Redis (which keeps nothing on disk here) restarts. The
    limits flag abuse for a moderator; no signature or count depends on a window surviving.
    """

    key = models.CharField(max_length=300, primary_key=True)
    hits = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.hits}"


class SiteDefence(models.Model):
    """The site-wide "under attack" switch: one row, changed by moderators."""

    mode = models.CharField(
        _("whole site"), max_length=8, choices=DefenceMode.choices, default=DefenceMode.OFF
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("site-wide switch")

    def __str__(self):
        return self.mode


class Alert(models.Model):
    """Signing on a petition that the trending job found unusual, with its evidence."""

    class Dimension(models.TextChoices):
        IP = "ip", _("IP address")
        NETWORK = "network", _("Network")
        DOMAIN = "domain", _("Email domain")
        COUNTRY = "country", _("Country")
        HOUR = "hour", _("Hour")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("alert", "Open")
        DISMISSED = "dismissed", pgettext_lazy("alert", "Dismissed")
        ACTED = "acted", pgettext_lazy("alert", "Acted on")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="alerts")
    dimension = models.CharField(_("what"), max_length=10, choices=Dimension.choices)
    value = models.CharField(_("value"), max_length=253)
    signatures = models.PositiveIntegerField(_("signatures"))
    expected = models.FloatField(_("expected"))
    total = models.PositiveIntegerField(_("all signatures in the window"))
    # Signatures by hour, share against the baseline, how many are already flagged...
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("found"), default=timezone.now)
    updated_at = models.DateTimeField(_("last seen"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            # While an alert is open the job updates it instead of raising it again.
            models.UniqueConstraint(
                fields=["petition", "dimension", "value"],
                condition=Q(status="open"),
                name="one_open_alert",
            )
        ]

    def __str__(self):
        return f"{self.petition_id} {self.dimension}={self.value}"


class BulkAction(models.Model):
    """A moderator's invalidation (or acceptance) of every signature matching some criteria,
    run in the background in batches, cancellable, and undoable from its items."""

    class Kind(models.TextChoices):
        INVALIDATE = "invalidate", _("Invalidate")
        ACCEPT = "accept", _("Accept flagged")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        UNDOING = "undoing", _("Being undone")
        UNDONE = "undone", _("Undone")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="bulk_actions")
    kind = models.CharField(_("action"), max_length=12, choices=Kind.choices)
    criteria = models.JSONField(_("criteria"))
    reason = models.CharField(_("why"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RUNNING
    )
    # Signatures made after the preview are not touched: the action applies to what was seen.
    until_signature_id = models.BigIntegerField()
    # How many matched at the start; how far the batches have got (the last signature id
    # looked at, then while undoing the last item), and how many signatures were changed.
    expected = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0)
    examined = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    count_change = models.IntegerField(default=0)
    undo_cursor = models.BigIntegerField(default=0)
    restored = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    progressed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} #{self.pk} on {self.petition_id}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.RUNNING, self.State.UNDOING)

    @property
    def can_undo(self) -> bool:
        return self.state in (self.State.DONE, self.State.CANCELLED) and self.changed > 0


class BulkActionItem(models.Model):
    """One signature a bulk action changed, and the state it had, so undo restores exactly it."""

    action = models.ForeignKey(BulkAction, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(
        "signatures.Signature", on_delete=models.CASCADE, related_name="+"
    )
    previous_state = models.CharField(max_length=16)
    new_state = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["action", "id"], name="bulk_item_by_action")]

    def __str__(self):
        return f"{self.action_id}: {self.signature_id} {self.previous_state}->{self.new_state}"
