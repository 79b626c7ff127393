"""Upstream operator: rotate this node's downward signing key (the key its requests to the nodes below are
signed with). The old key stops signing now and stays valid below for the overlap window."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from federation.node_key import node_key_rotate


class Command(BaseCommand):
    help = "轮换本节点的下行签名密钥：新密钥立即启用，旧密钥在过渡期（--overlap 秒）内仍被下级节点接受。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--overlap",
            type=int,
            default=None,
            help="seconds the old key stays valid below (default FEDERATION_KEY_OVERLAP_SECONDS; 0: at once)",
        )

    def handle(self, *args, overlap: int | None, **options):
        if settings.NODE_ROLE not in ("national", "regional"):
            raise CommandError("an industry node has no nodes below it and no downward key")
        if overlap is not None and overlap < 0:
            raise CommandError("--overlap must be 0 or more seconds")
        key, retired = node_key_rotate(overlap_seconds=overlap)
        self.stdout.write(f"KEY={key.key_id}")
        self.stdout.write(f"ALGORITHM={key.algorithm}")
        for old in retired:
            self.stdout.write(f"RETIRED={old.key_id} until {old.retires_at or 'now'}")
