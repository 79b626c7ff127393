"""Writes on the node registry: enrolment codes, enrolment, rotation and revocation (upstream side), and
``node_enrol`` (downstream side). Prefix allocation scheme: docs/identifiers.md, "Node prefixes".
"""

import base64
import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.identifiers import MalformedIdentifier, validate_prefix

from . import signing
from .client import enrol_request
from .models import EnrolmentCode, Peer, PeerKey, PeerRole, PeerState, UpstreamLink
from .peer_relay import peer_relay_enqueue
from .selectors import node_prefix

# the role a node of each role may enrol below itself
CHILD_ROLE = {"national": PeerRole.REGIONAL, "regional": PeerRole.INDUSTRY}


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def prefix_allocate(*, parent_prefix: str, role: str, segment: str) -> str:
    """``CN`` + province code for a regional node, the regional prefix + industry code for an industry node."""
    segment = segment.strip().upper()
    if role == PeerRole.REGIONAL and not (len(segment) == 6 and segment.isdigit() and segment.endswith("0000")):
        raise ValidationError({"segment": _("区域节点应使用省级行政区划代码（6 位数字，以 0000 结尾，如 510000）。")})
    if role == PeerRole.INDUSTRY and not (len(segment) in (3, 4) and segment[0].isalpha() and segment[1:].isdigit()):
        raise ValidationError({"segment": _("行业节点应使用国民经济行业分类代码（1 位字母加 2–3 位数字，如 C15）。")})
    prefix = f"{parent_prefix}.{segment}"
    try:
        validate_prefix(prefix)
    except MalformedIdentifier as error:
        raise ValidationError({"segment": str(error.reason)}) from error
    return prefix


def _new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(15)).decode()  # 120 bits, 24 characters
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def enrolment_code_issue(*, segment: str = "", name: str = "", peer: Peer | None = None) -> tuple[str, EnrolmentCode]:
    """A one-time enrolment code for a new node below this one (or, with ``peer``, a re-enrolment that
    rotates its credential). Returns the code in clear (shown once) and its row (only the digest is kept)."""
    role = CHILD_ROLE.get(settings.NODE_ROLE)
    if role is None:
        raise ValidationError({"role": _("行业节点不接入下级节点。")})
    if peer is not None:
        prefix, name, role = peer.prefix, name or peer.name, peer.role
    else:
        prefix = prefix_allocate(parent_prefix=node_prefix(), role=role, segment=segment)
        if Peer.objects.filter(prefix=prefix).exists():
            raise ValidationError({"segment": _("前缀 %(prefix)s 已分配给其他节点。") % {"prefix": prefix}})
        if not name.strip():
            raise ValidationError({"name": _("请填写节点名称。")})
    code = _new_code()
    row = EnrolmentCode.objects.create(
        code_sha256=_digest(code),
        role=role,
        prefix=prefix,
        name=name.strip(),
        peer=peer,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.FEDERATION_ENROLMENT_CODE_HOURS),
    )
    return code, row


class EnrolmentRefused(ValueError):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


@transaction.atomic
def enrolment_accept(*, code: str, role: str, url: str, public_key: str, algorithm: str) -> tuple[Peer, PeerKey]:
    """Upstream side of the handshake: consume the code, register (or re-key) the node, bind its key."""
    now = timezone.now()
    row = EnrolmentCode.objects.select_for_update().filter(code_sha256=_digest(code)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise EnrolmentRefused({"code": [_("接入码无效、已使用或已过期。")]})
    if role != row.role:
        raise EnrolmentRefused(
            {"role": [_("接入码用于%(expected)s，而本节点是%(role)s。") % {"expected": row.role, "role": role}]}
        )
    if not signing.algorithm_supported(algorithm):
        raise EnrolmentRefused({"algorithm": [_("不支持的签名算法（可用：ed25519、sm2）。")]})
    if not signing.public_key_valid(public_key, algorithm):
        raise EnrolmentRefused({"public_key": [_("公钥无效（应为 Base64 编码的 Ed25519 公钥或 SM2 未压缩公钥点）。")]})
    peer = row.peer
    if peer is None:
        if Peer.objects.filter(prefix=row.prefix).exists():
            raise EnrolmentRefused({"code": [_("该前缀已有节点接入。")]})
        peer = Peer.objects.create(name=row.name, role=row.role, prefix=row.prefix, url=url, enrolled_at=now)
    else:  # rotation: the old keys stop working now
        PeerKey.objects.filter(peer=peer, revoked_at__isnull=True).update(revoked_at=now)
        Peer.objects.filter(pk=peer.pk).update(url=url or peer.url, state=PeerState.ACTIVE, revoked_at=None)
        peer.refresh_from_db()
    key = PeerKey.objects.create(
        peer=peer, key_id=f"{peer.prefix}:{secrets.token_hex(6)}", algorithm=algorithm, public_key=public_key
    )
    row.used_at = now
    row.save(update_fields=["used_at"])
    peer_relay_enqueue(peer=peer)  # a regional node tells the national registry (peer_relay.py)
    return peer, key


@transaction.atomic
def peer_revoke(*, peer: Peer) -> Peer:
    """Cut a node off: its keys and the node itself are refused from now on."""
    now = timezone.now()
    PeerKey.objects.filter(peer=peer, revoked_at__isnull=True).update(revoked_at=now)
    peer.state, peer.revoked_at = PeerState.REVOKED, now
    peer.save(update_fields=["state", "revoked_at"])
    peer_relay_enqueue(peer=peer)
    return peer


def node_enrol(*, upstream: str, code: str) -> UpstreamLink:
    """Downstream side: make a key pair, present the code and the public key, store the allocated identity."""
    keys = signing.generate_keypair(signing.node_algorithm())
    status, body = enrol_request(
        base_url=upstream,
        payload={
            "code": code,
            "role": settings.NODE_ROLE,
            "name": settings.NODE_NAME,
            "url": settings.NODE_PUBLIC_URL,
            "public_key": keys.public_key,
            "algorithm": keys.algorithm,
        },
    )
    if status != 201:
        raise EnrolmentRefused(body or {"upstream": [f"HTTP {status}"]})
    with transaction.atomic():
        UpstreamLink.objects.all().delete()
        return UpstreamLink.objects.create(
            url=upstream.rstrip("/"),
            upstream_prefix=body["upstream"]["prefix"],
            upstream_name=body["upstream"]["name"],
            prefix=body["prefix"],
            role=body["role"],
            key_id=body["key_id"],
            algorithm=keys.algorithm,
            private_key=keys.private_key,
            enrolled_at=timezone.now(),
            upstream_key_id=body["upstream"].get("key_id", ""),
            upstream_public_key=body["upstream"].get("public_key", ""),
            upstream_key_algorithm=body["upstream"].get("algorithm") or signing.ALGORITHM,
        )
