"""Full catalogue resync with the upstream node, on demand."""

from django.core.management.base import BaseCommand, CommandError

from federation.sync import SyncFailed, catalogue_resync


class Command(BaseCommand):
    help = "Send the whole catalogue upstream (removals for what is not public) and reset the sync cursor."

    def handle(self, *args, **options):
        try:
            counts = catalogue_resync()
        except SyncFailed as failed:
            raise CommandError(f"resync failed, cursor unchanged: {failed}") from failed
        self.stdout.write(f"resync: {counts['records']} records in {counts['batches']} batches")
