"""Roll up the metrics incrementally (run every few minutes, at least hourly):

manage.py metrics_rollup            # snapshot, roll-ups, flows 8–10, yesterday's report queued once
manage.py metrics_rollup --loop 300 # keep running every 300 s
"""

import time

from django.core.management.base import BaseCommand

from monitoring.metrics.jobs import metrics_rollup_run


class Command(BaseCommand):
    help = "Roll up metric samples (hourly/daily, Asia/Shanghai), collect flows 8–10, queue the daily report."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds")
        parser.add_argument("--no-snapshot", action="store_true", help="do not sample the catalogue's live state")
        parser.add_argument("--no-report", action="store_true", help="do not queue the daily report")

    def handle(self, *args, **options):
        while True:
            started = time.perf_counter()
            result = metrics_rollup_run(snapshot=not options["no_snapshot"], report=not options["no_report"])
            self.stdout.write(
                f"snapshot {result.snapshot} · requests {result.requests_flushed} · samples {result.rollup.samples}"
                f" → {result.rollup.hours} hours, {result.rollup.days} days · values {result.values}"
                f" · report {'queued' if result.report else '-'} · {time.perf_counter() - started:.2f} s"
            )
            if not options["loop"]:
                return
            time.sleep(options["loop"])
