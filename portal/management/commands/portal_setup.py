from django.core.management.base import BaseCommand

from portal.services import portal_setup


class Command(BaseCommand):
    help = "Create the portal sections, editor and approver rights and the moderation workflow (idempotent)."

    def handle(self, *args, **options):
        sections = portal_setup()
        for section in sections:
            self.stdout.write(f"{section.title}: {section.url_path}")
