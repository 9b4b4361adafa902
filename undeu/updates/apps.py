from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "undeu.updates"
    label = "updates"

    def ready(self):
        from undeu.mail.compose import register_context_builder
        from undeu.updates.emails import update_email_context

        register_context_builder("petition_update", update_email_context)
