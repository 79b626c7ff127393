"""Upstream operator: rotate this node's downward signing key (the key its requests to the nodes below are
signed with) and tell every active node directly below at once (federation/key_rotation.py). The old key
stops signing now and stays valid below for the overlap window; ``--revoke-old`` (or ``--overlap 0``) withdraws
it at once: each node below that received the notice refuses it from that moment."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from federation.key_rotation import node_key_rotate


class Command(BaseCommand):
    help = (
        "轮换本节点的下行签名密钥并立即通知各下级节点：新密钥立即启用，旧密钥在过渡期（--overlap 秒）内仍被下级节点"
        "接受；--revoke-old 立即吊销旧密钥（已收到通知的下级节点随即拒绝旧密钥）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--overlap",
            type=int,
            default=None,
            help="seconds the old key stays valid below (default FEDERATION_KEY_OVERLAP_SECONDS; 0: at once)",
        )
        parser.add_argument(
            "--revoke-old",
            action="store_true",
            help="withdraw the old key at once (a leaked key): the same as --overlap 0, and says node by node "
            "whether the old key is now refused there",
        )

    def handle(self, *args, overlap: int | None, revoke_old: bool, **options):
        if settings.NODE_ROLE not in ("national", "regional"):
            raise CommandError("an industry node has no nodes below it and no downward key")
        if overlap is not None and overlap < 0:
            raise CommandError("--overlap must be 0 or more seconds")
        if revoke_old and overlap:
            raise CommandError("--revoke-old withdraws the old key at once: it takes no --overlap")
        rotation = node_key_rotate(overlap_seconds=overlap, revoke_old=revoke_old)
        self.stdout.write(f"KEY={rotation.key.key_id}")
        self.stdout.write(f"ALGORITHM={rotation.key.algorithm}")
        for old in rotation.retired:
            self.stdout.write(f"RETIRED={old.key_id} until {old.retires_at or 'now'}")
        for prefix, outcome in rotation.outcomes.items():
            if not outcome.delivered:
                self.stdout.write(f"PENDING={prefix} ({outcome.error}); the outbox retries with back-off")
            elif outcome.still_accepted:
                self.stdout.write(
                    f"NOTIFIED={prefix} accepts until their window ends: {' '.join(outcome.still_accepted)}"
                )
            else:
                self.stdout.write(f"NOTIFIED={prefix} refuses every retired key")
