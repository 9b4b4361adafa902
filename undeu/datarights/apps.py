from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataRightsConfig(AppConfig):
    name = "undeu.datarights"
    label = "datarights"
    verbose_name = _("Signers' data rights")

    def ready(self):
        from undeu.datarights import links

        links.register()
