from django.core.management.base import BaseCommand

from undeu.api import opendata


class Command(BaseCommand):
    help = "Write the open data files now (the worker writes them once a day)."

    def handle(self, *args, **options):
        opendata.publish(force=True)
        self.stdout.write(f"Written to {opendata.directory()}")
