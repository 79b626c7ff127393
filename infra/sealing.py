"""Secrets sealed at rest with Fernet (``cryptography``) under a list of keys named by a setting: a
MultiFernet, so the first key seals, every key opens, and ``reseal`` re-encrypts under the first (key
rotation: put a new key first, reseal everything, then drop the old key). Used for the orders' access
hand-off (``ORDER_ACCESS_KEYS``, orders/access.py) and the nodes' private signing keys
(``FEDERATION_SEALING_KEYS``, ``SealedTextField`` on federation's key models).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Unsealable(ImproperlyConfigured):
    """No key of the setting opens a stored token (a key was dropped before everything was resealed)."""


def keyring(setting: str) -> MultiFernet:
    keys = [key for key in getattr(settings, setting, []) if key]
    if not keys:
        raise ImproperlyConfigured(f"{setting} is not set: secrets cannot be sealed.")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def seal(plain: bytes, *, setting: str) -> str:
    return keyring(setting).encrypt(plain).decode("ascii")


def unseal(token: str, *, setting: str) -> bytes | None:
    """The clear bytes, or None when no configured key opens the token."""
    try:
        return keyring(setting).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return None


def reseal(token: str, *, setting: str) -> str:
    """The token re-encrypted under the first key (InvalidToken when no key opens it)."""
    return keyring(setting).rotate(token.encode("ascii")).decode("ascii")


class SealedTextField(models.TextField):
    """A text column stored sealed: the database holds only the Fernet token, Python sees the clear text.
    Not for lookups (every seal differs). Loading a value no key opens raises ``Unsealable``."""

    def __init__(self, *args, keys_setting: str, **kwargs):
        self.keys_setting = keys_setting
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["keys_setting"] = self.keys_setting
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        plain = unseal(value, setting=self.keys_setting)
        if plain is None:
            where = f"{self.model.__name__}.{self.name}"
            raise Unsealable(f"{where}: no key of {self.keys_setting} opens the stored value.")
        return plain.decode()

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return seal(value.encode(), setting=self.keys_setting)
