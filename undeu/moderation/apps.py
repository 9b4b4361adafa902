from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "undeu.moderation"
    label = "moderation"
