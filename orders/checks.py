"""Deployment check: the access hand-off must not be sealed with the development key."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def order_access_keys_check(app_configs, **kwargs):
    from .access import DEV_KEY

    keys = list(getattr(settings, "ORDER_ACCESS_KEYS", []))
    if not keys:
        return [
            checks.Warning(
                "ORDER_ACCESS_KEYS is empty: orders' access details (endpoint, account, credential) cannot be sealed.",
                hint="Set ORDER_ACCESS_KEYS to one or more Fernet keys (comma-separated, newest first).",
                id="orders.W001",
            )
        ]
    if DEV_KEY in keys:
        return [
            checks.Warning(
                "ORDER_ACCESS_KEYS contains the development-only key of `make run` and the tests: anyone with the "
                "source can read the orders' access credentials.",
                hint="Generate a key (Fernet.generate_key()), put it first, run `manage.py orders_access_rotate`, "
                "then remove the development key.",
                id="orders.W002",
            )
        ]
    return []
