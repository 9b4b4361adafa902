from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "undeu.updates"
    label = "updates"
