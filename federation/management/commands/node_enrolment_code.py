"""Upstream operator: issue a one-time enrolment code for a node below this one (shown once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from federation.registry import enrolment_code_issue


class Command(BaseCommand):
    help = (
        "Issue a one-time enrolment code. On a national node: --segment <province code> (e.g. 510000) for a "
        "regional node; on a regional node: --segment <industry code> (e.g. C15) for an industry node."
    )

    def add_arguments(self, parser):
        parser.add_argument("--segment", required=True, help="province code (national) or industry code (regional)")
        parser.add_argument("--name", required=True, help="the node's name, e.g. 四川省区域节点")

    def handle(self, *args, segment: str, name: str, **options):
        try:
            code, row = enrolment_code_issue(segment=segment, name=name)
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
        self.stdout.write(f"PREFIX={row.prefix}")
        self.stdout.write(f"ROLE={row.role}")
        self.stdout.write(f"EXPIRES={row.expires_at.isoformat()}")
        self.stdout.write(f"CODE={code}")
