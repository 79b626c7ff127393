"""Downstream operator: enrol this node with its upstream using the one-time code from the upstream operator."""

from django.core.management.base import BaseCommand, CommandError

from federation.registry import EnrolmentRefused, node_enrol


class Command(BaseCommand):
    help = "Enrol with the upstream node: generates this node's Ed25519 key, registers it, stores the prefix."

    def add_arguments(self, parser):
        parser.add_argument("--upstream", required=True, help="the upstream node's base URL")
        parser.add_argument("--code", required=True, help="the one-time enrolment code")

    def handle(self, *args, upstream: str, code: str, **options):
        try:
            link = node_enrol(upstream=upstream, code=code)
        except EnrolmentRefused as refused:
            raise CommandError(f"enrolment refused: {refused.errors}") from refused
        except OSError as error:
            raise CommandError(f"upstream unreachable: {error}") from error
        self.stdout.write(f"PREFIX={link.prefix}")
        self.stdout.write(f"KEY_ID={link.key_id}")
        self.stdout.write(f"UPSTREAM={link.upstream_name} ({link.upstream_prefix}) {link.url}")
