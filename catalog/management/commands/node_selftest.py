"""New node's operator: run the integration self-test (对接联调自测) against the upstream node and send its
transcript there, where it is attached to the application's 对接联调 step (catalog/network_selftest.py)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Integration self-test against the upstream node: enrol (with --code), file a test identifier, wait for "
        "the national acknowledgement, resolve it at the national node, sync, report; the transcript goes upstream."
    )

    def add_arguments(self, parser):
        parser.add_argument("--upstream", default="", help="the upstream node's base URL (default: the enrolled one)")
        parser.add_argument("--code", default="", help="the one-time enrolment code (first run only)")
        parser.add_argument("--enqueue", action="store_true", help="leave the run to the worker (run_worker)")

    def handle(self, *args, upstream: str, code: str, enqueue: bool, **options):
        from catalog.tasks import federation_selftest

        if enqueue:
            result = federation_selftest.enqueue(upstream=upstream, code=code)
            self.stdout.write(f"QUEUED={result.id}")
            return
        from catalog.network_selftest import selftest_run

        transcript = selftest_run(upstream=upstream, code=code)
        for step in transcript["steps"]:
            mark = "OK  " if step["ok"] else "FAIL"
            self.stdout.write(f"{mark} {step['label']} ({step['duration_ms']} ms) {step['detail'] or step['error']}")
        self.stdout.write(f"SELFTEST={'ok' if transcript['ok'] else 'failed'}")
        delivered = "yes" if transcript["delivered"] else f"no ({transcript['delivery_error']})"
        self.stdout.write(f"DELIVERED={delivered}")
