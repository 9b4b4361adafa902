from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "undeu.delivery"
    label = "delivery"
