from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Petition


class ThresholdReached(models.Model):
    """When a petition's count reached one of the instance's thresholds (UNDEU_THRESHOLDS).

    What a page shows is derived from the current count; these rows keep the dates. If the count
    drops below the threshold again (invalidated signatures), the row is marked reverted, and a
    new row is written if it is reached again: at most one standing row per threshold.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="thresholds_reached"
    )
    name = models.CharField(_("threshold"), max_length=40)
    signatures = models.PositiveIntegerField(_("signatures needed"))
    reached_at = models.DateTimeField(_("reached"))
    reverted_at = models.DateTimeField(_("fell below again"), null=True, blank=True)

    class Meta:
        verbose_name = _("threshold reached")
        verbose_name_plural = _("thresholds reached")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "name"],
                condition=Q(reverted_at__isnull=True),
                name="one_standing_threshold",
            )
        ]

    def __str__(self):
        return f"{self.petition_id} {self.name} @ {self.reached_at:%Y-%m-%d}"
