"""Catalogue sync upward, one pass (the worker runs it every few seconds: federation.tasks), or a follower
that keeps syncing (``--loop 0.2``: a pass every 0.2 s; a pass that finds nothing costs two indexed reads)."""

import time

from django.core.management.base import BaseCommand

from federation.sync import sync_pass


class Command(BaseCommand):
    help = "Send the catalogue changes the upstream node has not acknowledged yet (cursor peer:<upstream>)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="keep syncing every N seconds (fractions allowed)")

    def handle(self, *args, loop: float, **options):
        while True:
            counts = sync_pass()
            if counts["records"] or not loop:
                self.stdout.write(f"sync: {counts['records']} records in {counts['batches']} batches")
            if not loop:
                return
            time.sleep(loop)
