from django.core.management.base import BaseCommand

from undeu.petitions.demo import load_demo


class Command(BaseCommand):
    help = "Create the demo petitions (safe to run again: existing ones are kept as they are)."

    def handle(self, *args, **options):
        created = load_demo()
        if created:
            self.stdout.write(f"Demo petitions created: {', '.join(created)}")
        else:
            self.stdout.write("Demo petitions already present.")
