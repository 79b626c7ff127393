"""Delete metrics older than their retention (METRICS_RAW_RETENTION_DAYS, METRICS_HOURLY_RETENTION_DAYS,
METRICS_DAILY_RETENTION_DAYS; 0 keeps daily roll-ups forever). Run daily after metrics_rollup."""

from django.core.management.base import BaseCommand

from monitoring.metrics.rollup import metrics_prune


class Command(BaseCommand):
    help = "Delete raw samples and roll-ups older than the configured retention."

    def handle(self, *args, **options):
        deleted = metrics_prune()
        self.stdout.write(" · ".join(f"{name} {count}" for name, count in deleted.items()))
