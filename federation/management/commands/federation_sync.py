"""One pass of the catalogue sync upward (the worker runs it every few seconds: federation.tasks)."""

from django.core.management.base import BaseCommand

from federation.sync import sync_pass


class Command(BaseCommand):
    help = "Send the catalogue changes the upstream node has not acknowledged yet (cursor peer:<upstream>)."

    def handle(self, *args, **options):
        counts = sync_pass()
        self.stdout.write(f"sync: {counts['records']} records in {counts['batches']} batches")
