"""Re-encrypt every order's access details under the first key of ORDER_ACCESS_KEYS (key rotation)."""

from django.core.management.base import BaseCommand

from orders.access import access_rotate


class Command(BaseCommand):
    help = "把订单接入信息用 ORDER_ACCESS_KEYS 的第一个密钥重新加密（密钥轮换）。"

    def handle(self, *args, **options):
        count = access_rotate()
        self.stdout.write(f"re-encrypted {count} access record(s)")
