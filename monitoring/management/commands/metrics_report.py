"""Build the daily operation report and queue it for the national node (federation outbox):

manage.py metrics_report                    # yesterday (Asia/Shanghai), once
manage.py metrics_report --date 2026-03-02  # that day
manage.py metrics_report --date 2026-03-02 --resend   # a corrected report replaces the first
manage.py metrics_report --print            # print the JSON, queue nothing
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring.metrics.jobs import metrics_rollup_run
from monitoring.reports import report_build, report_enqueue


class Command(BaseCommand):
    help = "Queue (or print) the daily operation report for the national node."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD, a local (Asia/Shanghai) date; default yesterday")
        parser.add_argument("--resend", action="store_true", help="queue again under a new key (a correction)")
        parser.add_argument("--print", action="store_true", dest="print_only", help="print the JSON only")

    def handle(self, *args, **options):
        try:
            day = (
                datetime.date.fromisoformat(options["date"])
                if options["date"]
                else timezone.localdate() - datetime.timedelta(days=1)
            )
        except ValueError as error:
            raise CommandError("--date 应为 YYYY-MM-DD") from error
        metrics_rollup_run(snapshot=False, report=False)
        if options["print_only"]:
            self.stdout.write(json.dumps(report_build(day=day), ensure_ascii=False, indent=2))
            return
        message = report_enqueue(day=day, resend=options["resend"])
        self.stdout.write(f"queued {message.idempotency_key} ({message.status})")
