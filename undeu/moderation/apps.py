from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "undeu.moderation"
    label = "moderation"

    def ready(self):
        from undeu.moderation import mail

        mail.register()
