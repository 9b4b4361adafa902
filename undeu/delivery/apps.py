from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "undeu.delivery"
    label = "delivery"

    def ready(self):
        from undeu.delivery.emails import outcome_email_context
        from undeu.mail.compose import register_context_builder

        register_context_builder("petition_outcome", outcome_email_context)
