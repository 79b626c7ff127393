"""Checks of the federation settings: the private signing keys must not be sealed with the development
key, and a node below must re-read its upstream's keys within a rotation's overlap window."""

from django.conf import settings
from django.core import checks

# The development-only key of portal/settings/dev.py and test.py.
DEV_SEALING_KEY = "ZGV2LW9ubHktbm9kZS1zZWFsaW5nLWtleS0wMDAwMDA="


@checks.register(checks.Tags.security, deploy=True)
def sealing_keys_check(app_configs, **kwargs):
    keys = list(getattr(settings, "FEDERATION_SEALING_KEYS", []))
    if not keys:
        return [
            checks.Warning(
                "FEDERATION_SEALING_KEYS is empty: this node's private signing keys cannot be sealed.",
                hint="Set FEDERATION_SEALING_KEYS to one or more Fernet keys (comma-separated, newest first).",
                id="federation.W001",
            )
        ]
    if DEV_SEALING_KEY in keys:
        return [
            checks.Warning(
                "FEDERATION_SEALING_KEYS contains the development-only key: anyone with the source can open "
                "this node's private signing keys from a copy of its database.",
                hint="Generate a key (Fernet.generate_key()), put it first, run `manage.py federation_keys_reseal`, "
                "then remove the development key.",
                id="federation.W002",
            )
        ]
    return []


@checks.register()
def key_rotation_window_check(app_configs, **kwargs):
    if settings.FEDERATION_UPSTREAM_KEYS_TTL_SECONDS > settings.FEDERATION_KEY_OVERLAP_SECONDS:
        return [
            checks.Error(
                "FEDERATION_UPSTREAM_KEYS_TTL_SECONDS is longer than FEDERATION_KEY_OVERLAP_SECONDS: a node below "
                "could keep accepting a retired upstream key after its overlap window.",
                id="federation.E001",
            )
        ]
    return []
