"""DRF authentication of signed node requests (see signing.py for what is signed).

A request is accepted when: the four signature headers are present, the timestamp is within
FEDERATION_SIGNATURE_WINDOW_SECONDS of this node's clock, the key id belongs to an active key of an
active peer, the Ed25519 signature verifies over this exact method, path, body and idempotency key,
and the nonce was not seen before for that key (nonces are kept for twice the window, in the database,
so every process of the node shares them). ``request.auth`` is then the ``Peer``.
"""

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.views import APIView

from . import signing
from .models import PeerKey, PeerState, SeenNonce


class NodeSignatureAuthentication(authentication.BaseAuthentication):
    def authenticate_header(self, request):
        return 'NodeSignature realm="federation"'  # a missing or bad signature is a 401

    def authenticate(self, request):
        key_id, timestamp, nonce, signature = signed_headers(request)
        key = PeerKey.objects.select_related("peer").filter(key_id=key_id).first()
        if key is None:
            return self.authenticate_other(
                request, key_id=key_id, timestamp=timestamp, nonce=nonce, signature=signature
            )
        message = signed_message(request, key_id=key_id, timestamp=timestamp, nonce=nonce, algorithm=key.algorithm)
        if not signing.signature_valid(
            public_key=key.public_key, signature=signature, message=message, algorithm=key.algorithm
        ):
            raise exceptions.AuthenticationFailed("bad signature")
        if key.revoked_at is not None:
            raise exceptions.PermissionDenied("node credential revoked or rotated")
        if key.peer.state != PeerState.ACTIVE:
            raise exceptions.PermissionDenied("node revoked")
        _remember_nonce(key_id=key_id, nonce=nonce)
        return AnonymousUser(), key.peer

    def authenticate_other(self, request, **signed):
        """A key that is not a registered node's: refused on the endpoints of the nodes below."""
        raise exceptions.AuthenticationFailed("unknown node key")


def signed_headers(request) -> tuple[str, str, str, str]:
    """(key id, timestamp, nonce, signature) of a signed node request, with the timestamp inside the
    accepted window and a sane nonce; NotAuthenticated / AuthenticationFailed otherwise (both directions:
    requests from the nodes below here, from the node above in downlink.py)."""
    headers = request.headers
    key_id = headers.get(signing.HEADER_KEY_ID, "")
    timestamp = headers.get(signing.HEADER_TIMESTAMP, "")
    nonce = headers.get(signing.HEADER_NONCE, "")
    signature = headers.get(signing.HEADER_SIGNATURE, "")
    if not (key_id and timestamp and nonce and signature):
        raise exceptions.NotAuthenticated("signed request required (X-Node-Key-Id, -Timestamp, -Nonce, -Signature)")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        raise exceptions.AuthenticationFailed("bad timestamp") from None
    if skew > settings.FEDERATION_SIGNATURE_WINDOW_SECONDS:
        raise exceptions.AuthenticationFailed("timestamp outside the accepted window")
    if len(nonce) > 64:
        raise exceptions.AuthenticationFailed("bad nonce")
    return key_id, timestamp, nonce, signature


def signed_message(request, *, key_id: str, timestamp: str, nonce: str, algorithm: str = signing.ALGORITHM) -> bytes:
    return signing.canonical_string(
        method=request.method,
        path=request.get_full_path(),
        timestamp=timestamp,
        nonce=nonce,
        key_id=key_id,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        body=request.body,
        algorithm=algorithm,
    )


@dataclass(frozen=True)
class UpstreamNode:
    """``request.auth`` of a request the node above this one signed (a lookup coming down)."""

    prefix: str
    name: str
    is_node = True
    upstream = True


def _remember_nonce(*, key_id: str, nonce: str) -> None:
    now = timezone.now()
    SeenNonce.objects.filter(
        seen_at__lt=now - datetime.timedelta(seconds=2 * settings.FEDERATION_SIGNATURE_WINDOW_SECONDS)
    ).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id=key_id, nonce=nonce, seen_at=now)
    except IntegrityError:
        raise exceptions.AuthenticationFailed("replayed request (nonce already used)") from None


class OptionalNodeSignatureAuthentication(NodeSignatureAuthentication):
    """On a public endpoint: a signed request is authenticated as its node (a bad signature is a 401),
    an unsigned one is anonymous. Besides the nodes below, the node above signs the lookups it sends down
    (node_key.py): verified with the keys it publishes (upstream_keys.py). A node enrolled before upstream
    keys were handed over knows none: such a request is answered as anonymous (the lookup is public)."""

    def authenticate(self, request):
        if not request.headers.get(signing.HEADER_KEY_ID):
            return None
        return super().authenticate(request)

    def authenticate_other(self, request, *, key_id, timestamp, nonce, signature):
        from .selectors import upstream_link
        from .upstream_keys import upstream_key, upstream_keys_known

        link = upstream_link()
        if link is None or not key_id.startswith(link.upstream_prefix + ":"):
            raise exceptions.AuthenticationFailed("unknown node key")
        if not upstream_keys_known(link=link):
            return None  # enrolled before the upstream's key was handed over: anonymous
        key = upstream_key(key_id=key_id, link=link)
        if key is None:
            raise exceptions.AuthenticationFailed("unknown or retired upstream node key")
        message = signed_message(request, key_id=key_id, timestamp=timestamp, nonce=nonce, algorithm=key.algorithm)
        if not signing.signature_valid(
            public_key=key.public_key, signature=signature, message=message, algorithm=key.algorithm
        ):
            raise exceptions.AuthenticationFailed("bad signature")
        _remember_nonce(key_id=key_id, nonce=nonce)
        return AnonymousUser(), UpstreamNode(prefix=link.upstream_prefix, name=link.upstream_name)


class NodeSignatureScheme(OpenApiAuthenticationExtension):
    target_class = NodeSignatureAuthentication
    name = "NodeSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": signing.HEADER_SIGNATURE,
            "description": (
                "下级节点以接入时登记的密钥（Ed25519 或 SM2/SM3）签名：X-Node-Key-Id、X-Node-Timestamp、X-Node-Nonce、"
                "X-Node-Signature（签名内容见 docs/identifiers.md“Node prefixes”）。"
            ),
        }


class OptionalNodeSignatureScheme(NodeSignatureScheme):
    """The same signature, optional: public endpoints (identifier resolution) a node may sign to be
    recognised (and exempt from the anonymous rate limit)."""

    target_class = OptionalNodeSignatureAuthentication
    name = "NodeSignatureOptional"


class IsEnrolledNode(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.auth is not None


class NodeAPIView(APIView):
    """Base of the endpoints an upstream (national or regional) node exposes to the nodes enrolled with it:
    signed requests only; absent (404) on an industry node, which has no nodes below it."""

    authentication_classes = [NodeSignatureAuthentication]
    permission_classes = [IsEnrolledNode]
    throttle_classes = []  # callers are the few enrolled nodes, each authenticated by its signature

    def initial(self, request, *args, **kwargs):
        if settings.NODE_ROLE not in ("national", "regional"):
            raise Http404
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (401, 403):  # security-relevant: shown to the regulator (supervision.py)
            node_refusal_record(request=request, status=response.status_code, data=response.data)
        return response

    def idempotency_key(self, request) -> str:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise exceptions.ValidationError({"Idempotency-Key": ["缺少幂等键请求头。"]})
        return key[:128]


NODE_EVENT_MARK = "node="
# who records a refused node request (security registers its event log at ready(); federation imports
# nothing of security, which sits above it)
_refusal_hooks: list = []


def node_refusal_hook_register(hook) -> None:
    if hook not in _refusal_hooks:
        _refusal_hooks.append(hook)


def node_refusal_record(*, request, status: int, data) -> None:
    """A refused node-to-node request, told to the hooks as ``node=<prefix> HTTP <status>: <reason>`` (the
    prefix the request was authenticated as, else the one its key id claims)."""
    peer = getattr(request, "auth", None)
    if peer is not None and getattr(peer, "is_node", False):
        prefix = peer.prefix
    else:
        prefix = request.headers.get(signing.HEADER_KEY_ID, "").partition(":")[0][:40] or "?"
    reason = data.get("detail", data) if isinstance(data, dict) else data
    detail = f"{NODE_EVENT_MARK}{prefix} HTTP {status}: {str(reason)[:300]}"
    for hook in _refusal_hooks:
        hook(request=request, detail=detail)
