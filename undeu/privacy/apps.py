from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "undeu.privacy"
    label = "privacy"
    verbose_name = _("Signer privacy")

    def ready(self):
        from undeu.privacy import mail

        mail.register()
