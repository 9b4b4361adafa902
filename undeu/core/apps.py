from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "undeu.core"
    label = "core"

    def ready(self):
        from undeu.core import checks  # noqa: F401 - registers the system checks
        from undeu.core.lookups import register

        register()
