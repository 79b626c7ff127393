from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from organizations.models import Division, IndustryCategory
from organizations.reference_data import load_all


class Command(BaseCommand):
    help = "Load (or refresh) divisions, industrial mid-categories and role groups. Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = load_all(Division=Division, IndustryCategory=IndustryCategory, Group=Group)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
