from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefenceConfig(AppConfig):
    name = "undeu.defence"
    label = "defence"
    verbose_name = _("Abuse defences")

    def ready(self):
        from undeu.defence import mail

        mail.register()
