"""Re-encrypt this node's private signing keys under the first key of FEDERATION_SEALING_KEYS (rotation)."""

from django.core.management.base import BaseCommand

from federation.node_key import private_keys_reseal


class Command(BaseCommand):
    help = "把本节点的签名私钥用 FEDERATION_SEALING_KEYS 的第一个密钥重新加密（密钥轮换）。"

    def handle(self, *args, **options):
        count = private_keys_reseal()
        self.stdout.write(f"resealed {count} private key(s)")
