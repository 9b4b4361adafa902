from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "undeu.core"
    label = "core"
