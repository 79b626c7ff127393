from django.core.management.base import BaseCommand

from changes.services import feed_prune


class Command(BaseCommand):
    help = "Delete changes every durable consumer has passed that are older than the catch-up window."

    def add_arguments(self, parser):
        parser.add_argument("--window-seconds", type=int, default=None)

    def handle(self, *args, window_seconds=None, **options):
        deleted = feed_prune(window_seconds=window_seconds)
        self.stdout.write(f"{deleted} change(s) pruned")
