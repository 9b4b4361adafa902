from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "undeu.petitions"
    label = "petitions"
    verbose_name = _("Petitions")

    def ready(self):
        from django.db.models.signals import post_save

        from undeu.petitions.models import Petition
        from undeu.petitions.open_lookup import forget_saved

        post_save.connect(forget_saved, sender=Petition, dispatch_uid="open_lookup.forget_saved")
