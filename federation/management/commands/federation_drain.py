"""Deliver due outbox messages to the upstream node (run from cron / a timer every minute)."""

import time

from django.core.management.base import BaseCommand

from federation.services import acknowledgements_collect, outbox_drain


class Command(BaseCommand):
    help = "Deliver due outbox messages upstream, with retries and exponential back-off."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)
        parser.add_argument("--loop", type=int, default=0, help="keep draining every N seconds")

    def handle(self, *args, limit: int, loop: int, **options):
        while True:
            counts = outbox_drain(limit=limit)
            acknowledged = acknowledgements_collect()
            self.stdout.write(f"outbox: {counts['sent']} sent, {counts['failed']} failed; {acknowledged} acknowledged")
            if not loop:
                return
            time.sleep(loop)
