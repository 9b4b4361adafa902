from django.apps import AppConfig


class StartingConfig(AppConfig):
    name = "undeu.starting"
    label = "starting"
