import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create or refresh the demo data of every app (settings.DEMO_SEEDERS: each module's seed()). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, quiet=False, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data (with known passwords) is refused under these settings (ALLOW_DEMO_DATA).")
        lines = []
        with transaction.atomic():
            for module_name in settings.DEMO_SEEDERS:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError as error:
                    if error.name != module_name:
                        raise
                    continue
                lines += module.seed() or []
        if not quiet:
            self.stdout.write("\n".join(lines))
