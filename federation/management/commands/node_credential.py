"""Upstream operator: list the nodes below, revoke one, or rotate its credential (a re-enrolment code)."""

from django.core.management.base import BaseCommand, CommandError

from federation.models import Peer
from federation.registry import enrolment_code_issue, peer_revoke


class Command(BaseCommand):
    help = "List enrolled nodes; --revoke PREFIX cuts a node off; --rotate PREFIX revokes its key and issues a code."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--revoke", metavar="PREFIX")
        group.add_argument("--rotate", metavar="PREFIX")

    def handle(self, *args, revoke: str | None, rotate: str | None, **options):
        prefix = revoke or rotate
        if prefix is None:
            for peer in Peer.objects.order_by("prefix"):
                live = peer.keys.filter(revoked_at__isnull=True).values_list("key_id", flat=True)
                self.stdout.write(
                    f"{peer.prefix}\t{peer.role}\t{peer.state}\t{peer.name}\t{peer.url}\t{','.join(live)}"
                )
            return
        peer = Peer.objects.filter(prefix=prefix.upper()).first()
        if peer is None:
            raise CommandError(f"no node with prefix {prefix}")
        if revoke:
            peer_revoke(peer=peer)
            self.stdout.write(f"REVOKED={peer.prefix}")
            return
        peer_revoke(peer=peer)  # the old key stops working now; the node re-enrols with the new code
        code, _ = enrolment_code_issue(peer=peer)
        self.stdout.write(f"CODE={code}")
