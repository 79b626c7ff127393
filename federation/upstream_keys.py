"""On a node below: which keys of its upstream node it accepts on requests coming down (holds, lookups
referred down; downlink.py, authentication.py).

The upstream publishes its valid keys (``GET /api/v1/federation/node-key/``: the live key and the retired
ones still inside their overlap window, each with its algorithm and ``retires_at``). This node keeps what it
read in ``UpstreamKey``; until its first read, the key handed over at enrolment is the one it knows. A key
is accepted while it is published and before its ``retires_at``. The published set is read again when a
request names a key this node does not know (the upstream rotated) and when what it knows is older than
``FEDERATION_UPSTREAM_KEYS_TTL_SECONDS``; the TTL is not longer than the overlap window
(``FEDERATION_KEY_OVERLAP_SECONDS``, checked at start), so a node that missed a rotation reads it before
the retired key's window ends. If the upstream cannot be asked when a read is due, the request is refused.
The upstream also tells this node when it rotates (key_rotation.py; ``UpstreamKeysRotatedView`` in
downlink.py): the published set is read at once then, so a key it withdrew is refused without waiting for
the TTL.
"""

import datetime
import urllib.error
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import signing
from .client import NotEnrolled, signed_request
from .models import UpstreamKey, UpstreamLink

NODE_KEY_PATH = "/api/v1/federation/node-key/"
# requests naming one key id make this node ask its upstream at most this often (a flood of forged requests
# does not become a flood of reads; a key id not asked for before, as after a rotation, is asked for at once)
MIN_REFRESH_SECONDS = 2
REFRESH_MARK = "federation:upstream-keys-asked:"


@dataclass(frozen=True)
class AcceptedKey:
    key_id: str
    algorithm: str
    public_key: str


def _published(answer: dict) -> list[dict] | None:
    keys = answer.get("keys")
    if keys is None and answer.get("key_id"):  # an upstream that publishes only its live key
        keys = [{key: answer.get(key) for key in ("key_id", "algorithm", "public_key")}]
    if not isinstance(keys, list):
        return None
    valid = []
    for key in keys:
        algorithm = (key or {}).get("algorithm") or signing.ALGORITHM
        if key.get("key_id") and signing.public_key_valid(key.get("public_key") or "", algorithm):
            retires = parse_datetime(key["retires_at"]) if key.get("retires_at") else None
            valid.append({**key, "algorithm": algorithm, "retires_at": retires})
    return valid


def upstream_keys_refresh(*, link: UpstreamLink) -> bool:
    """Read the upstream's published keys into ``UpstreamKey`` (keys no longer published are forgotten).
    False when the upstream did not answer with a key set."""
    try:
        answer = signed_request(method="GET", path=NODE_KEY_PATH)  # the upstream's enrolled URL
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, NotEnrolled):
        return False
    keys = _published(answer) if isinstance(answer, dict) else None
    if keys is None:
        return False
    with transaction.atomic():
        UpstreamKey.objects.filter(upstream_prefix=link.upstream_prefix).exclude(
            key_id__in=[key["key_id"] for key in keys]
        ).delete()
        for key in keys:
            UpstreamKey.objects.update_or_create(
                key_id=key["key_id"],
                defaults={
                    "upstream_prefix": link.upstream_prefix,
                    "algorithm": key["algorithm"],
                    "public_key": key["public_key"],
                    "retires_at": key["retires_at"],
                },
            )
        UpstreamLink.objects.filter(pk=link.pk).update(upstream_keys_checked_at=timezone.now())
    return True


def upstream_keys_accepted(*, link: UpstreamLink) -> list[str]:
    """The upstream key ids this node accepts now (as last read from the published set)."""
    now = timezone.now()
    rows = UpstreamKey.objects.filter(upstream_prefix=link.upstream_prefix).order_by("key_id")
    return [row.key_id for row in rows if row.retires_at is None or row.retires_at > now]


def _known(*, key_id: str, link: UpstreamLink) -> AcceptedKey | None:
    row = UpstreamKey.objects.filter(key_id=key_id, upstream_prefix=link.upstream_prefix).first()
    if row is not None:
        if row.retires_at is not None and row.retires_at <= timezone.now():
            return None  # past the overlap window of a rotation
        return AcceptedKey(row.key_id, row.algorithm, row.public_key)
    if link.upstream_keys_checked_at is None and link.upstream_public_key and key_id == link.upstream_key_id:
        return AcceptedKey(link.upstream_key_id, link.upstream_key_algorithm, link.upstream_public_key)
    return None


def upstream_keys_known(*, link: UpstreamLink) -> bool:
    """Does this node know any key of its upstream (else it was enrolled before keys were handed over)?"""
    return bool(link.upstream_public_key) or UpstreamKey.objects.filter(upstream_prefix=link.upstream_prefix).exists()


def upstream_key(*, key_id: str, link: UpstreamLink) -> AcceptedKey | None:
    """The upstream's key ``key_id`` if this node accepts it now, reading the published keys again when
    the key is unknown or what this node knows is stale; None otherwise."""
    now = timezone.now()
    checked = link.upstream_keys_checked_at or link.enrolled_at
    stale = checked < now - datetime.timedelta(seconds=settings.FEDERATION_UPSTREAM_KEYS_TTL_SECONDS)
    known = _known(key_id=key_id, link=link)
    if known is not None and not stale:
        return known
    asked_recently = MIN_REFRESH_SECONDS > 0 and not cache.add(REFRESH_MARK + key_id[:64], 1, MIN_REFRESH_SECONDS)
    if asked_recently or not upstream_keys_refresh(link=link):
        return None if stale else known
    link.refresh_from_db()
    return _known(key_id=key_id, link=link)
