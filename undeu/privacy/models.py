from django.db import models
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Petition


class PetitionRetention(models.Model):
    """When a closed petition's signatures are anonymised, and that its people were told.

    A row appears when the notice goes out: `scheduled_for` is the date it announced (never
    sooner than UNDEU_RETENTION_NOTICE_DAYS after it was sent). If the date moves later (the
    starter delivers the petition after the notice), a new notice announces the new date.
    """

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, related_name="retention", verbose_name=_("petition")
    )
    scheduled_for = models.DateTimeField(_("anonymised from"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention of signatures")
        verbose_name_plural = _("retention of signatures")
        # Staff see signers' names and emails only with this, and every view is audit-logged.
        permissions = [
            (
                "view_signer_data",
                _("Can see signers' names and email addresses (each view is audit-logged)"),
            )
        ]

    def __str__(self):
        return f"{self.petition_id}: {self.scheduled_for}"


class ErasureProgress(models.Model):
    """How far a walk over the signatures in id order has got (the address erasure's), so each
    run reads only the rows that came since instead of the whole table."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last_id}"
