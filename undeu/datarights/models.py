"""What data rights without an account keep: short-lived links, and the mailboxes that asked
for no more emails. Neither holds an address: both are keyed by the keyed hash of the mailbox
(signatures/identity.py email_digest), the same key a signature carries."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLink(models.Model):
    """A link emailed to a mailbox, opening the page of its signatures until it expires.

    Only the SHA-256 of the link's random token is stored; the token itself is only ever in the
    email. Deleted when it expires (a periodic job) and when its mailbox erases everything.
    """

    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    email_digest = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    # The first time the page was opened (audit-logged once, not on every reload).
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("link to a signer's data")
        verbose_name_plural = _("links to signers' data")

    def __str__(self):
        return f"#{self.pk} until {self.expires_at:%Y-%m-%d %H:%M}"


class EmailSuppression(models.Model):
    """A mailbox that asked for no more emails: no mailing (updates, outcomes) reaches it, about
    any petition, including petitions it signs later. Emails the person asks for at the moment
    (a confirmation link when signing, a data-rights link) still go."""

    email_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mailbox that stopped all emails")
        verbose_name_plural = _("mailboxes that stopped all emails")

    def __str__(self):
        return f"#{self.pk} since {self.created_at:%Y-%m-%d}"
