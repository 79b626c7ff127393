"""Catalogue sync upward, one pass (the worker runs it every few seconds: federation.tasks)."""

import time

from django.core.management.base import BaseCommand

from federation.sync import sync_pass


class Command(BaseCommand):
    help = "Send the catalogue changes the upstream node has not acknowledged yet (cursor peer:<upstream>)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="keep syncing every N seconds")

    def handle(self, *args, loop: int, **options):
        while True:
            counts = sync_pass()
            self.stdout.write(f"sync: {counts['records']} records in {counts['batches']} batches")
            if not loop:
                return
            time.sleep(loop)
