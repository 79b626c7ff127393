"""Roll up the metrics incrementally. The worker does this on its schedule (monitoring/tasks.py,
portal/worker/schedule.py); the command is for a one-off run by hand, and ``--loop`` for the old
hand-started setup (``make bench-metrics ROLLER=loop`` compares it with the worker).

manage.py metrics_rollup            # snapshot, roll-ups, flows 8–10, yesterday's report queued once
manage.py metrics_rollup --loop 300 # the whole job every 300 s, and the resource roll-up every second
                                    # in between (--rollup-every), so hourly/daily rows stay seconds behind
"""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from monitoring.metrics.jobs import metrics_rollup_run
from monitoring.metrics.rollup import resource_rollup


class Command(BaseCommand):
    help = "Roll up metric samples (hourly/daily, Asia/Shanghai), collect flows 8–10, queue the daily report."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="repeat the whole job every N seconds")
        parser.add_argument(
            "--rollup-every",
            type=float,
            default=1.0,
            help="with --loop: roll up newly pushed samples every S seconds between runs of the whole job",
        )
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
            self._roll_up_until(
                started + options["loop"], every=max(0.1, options["rollup_every"]), verbose=options["verbosity"] > 1
            )

    def _roll_up_until(self, deadline: float, *, every: float, verbose: bool) -> None:
        while (now := time.perf_counter()) < deadline:
            time.sleep(min(every, deadline - now))
            close_old_connections()
            started = time.perf_counter()
            rolled = resource_rollup()
            if verbose and rolled.samples:
                self.stdout.write(
                    f"samples {rolled.samples} → {rolled.hours} hours, {rolled.days} days"
                    f" · {time.perf_counter() - started:.3f} s"
                )
