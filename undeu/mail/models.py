from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undeu.core.encrypted import EncryptedEmailField, EncryptedJSONField


class OutgoingEmail(models.Model):
    """One email waiting to be sent, being sent, sent or given up on (the outbox).

    The context holds what the message is rendered from, including a confirmation token while
    the message waits; it is emptied once the message is sent. The address and the context are
    encrypted at rest (core/encrypted.py), as the signatures' names and emails are.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")

    class Priority(models.IntegerChoices):
        # Someone is waiting for it now (a confirmation link, an account email).
        PERSON_WAITING = 0, _("A person is waiting for it")
        # One of many to every signer (an update, a delivery): sent when nobody is waiting.
        BULK = 1, _("Bulk")

    kind = models.CharField(max_length=40)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.PERSON_WAITING
    )
    to = EncryptedEmailField(max_length=254)
    # The keyed hash of the recipient's mailbox (signatures/identity.py): the encrypted address
    # cannot be searched, and a signer who erases their data or stops all emails is found by it.
    # Indexed in Meta: `db_index=True` would add a second index (for LIKE) on PostgreSQL.
    recipient_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    language = models.CharField(max_length=8)
    context = EncryptedJSONField(default=dict)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            models.Index(fields=["state", "priority", "next_attempt_at"], name="outbox_due_first"),
            models.Index(fields=["recipient_digest"], name="outbox_by_recipient"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.state})"
