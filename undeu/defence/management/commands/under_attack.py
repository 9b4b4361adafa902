"""The "under attack" switch from the shell, for an operator whose site is too busy to log in."""

from django.core.management.base import BaseCommand, CommandError

from undeu.defence import modes
from undeu.petitions.models import DefenceMode, Petition


class Command(BaseCommand):
    help = "Turn the under-attack mode on or off for the whole site or one petition."

    def add_arguments(self, parser):
        parser.add_argument("mode", choices=list(DefenceMode.values))
        parser.add_argument("--petition", metavar="SLUG", help="Only this petition.")
        parser.add_argument("--reason", default="", help="Kept in the audit log.")

    def handle(self, *args, mode, petition, reason, **options):
        if petition:
            found = Petition.objects.filter(slug=petition).first()
            if found is None:
                raise CommandError(f"No petition at {petition!r}.")
            modes.set_petition_mode(found, mode, reason=reason)
            self.stdout.write(f"{petition}: {mode}")
        else:
            modes.set_site_mode(mode, reason=reason)
            self.stdout.write(f"whole site: {mode}")
