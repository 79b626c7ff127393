from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Create or refresh the demo data of every app (settings.DEMO_SEEDERS). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, quiet=False, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data (with known passwords) is refused under these settings (ALLOW_DEMO_DATA).")
        lines = []
        with transaction.atomic():
            for dotted in settings.DEMO_SEEDERS:
                lines += import_string(dotted)() or []
        if not quiet:
            self.stdout.write("\n".join(lines))
