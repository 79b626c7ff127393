"""Signed requests down the network: an upstream node asks a node enrolled below it (a hold on that node's
capacity, its release). The reverse of client.py/authentication.py, with the same signature scheme
(signing.py) and the same replay protection (one nonce per key in ``SeenNonce``):

- the upstream signs with its own ``NodeKey`` (node_key.py, made on first use) and sends to the peer's registered URL;
- the node below verifies with the key handed over at enrolment (``UpstreamLink.upstream_public_key``) or
  ``UpstreamKey``, the public key it fetched from its enrolled upstream URL
  (``GET /api/v1/federation/node-key/``, public and read-only), again when it sees an unknown key id (the
  upstream rotated). A request signed by any other node's key is refused (403); a node without an
  upstream (the national node) has no such endpoints (404).
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import signing
from .authentication import _remember_nonce, signed_headers, signed_message
from .client import NotEnrolled, signed_request
from .http import Unreachable, exchange
from .models import Peer, UpstreamKey, UpstreamLink
from .node_key import downward_signature_headers, node_key
from .selectors import upstream_link

NODE_KEY_PATH = "/api/v1/federation/node-key/"


class NodeUnreachable(RuntimeError):
    """The node below did not answer (refused, timed out, not an HTTP answer)."""


def downlink_request(*, peer: Peer, method: str, path: str, payload: dict | None = None, idempotency_key: str = ""):
    """Send one signed request to ``peer``; (HTTP status, JSON answer). NodeUnreachable when it does not answer."""
    if not peer.url:
        raise NodeUnreachable(f"node {peer.prefix} registered no URL")
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Accept": "application/json"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    headers.update(downward_signature_headers(method=method, path=path, body=body, idempotency_key=idempotency_key))
    try:
        return exchange(method=method, url=peer.url.rstrip("/") + path, headers=headers, body=body)
    except Unreachable as error:
        raise NodeUnreachable(str(error)) from error


def _upstream_public_key(*, key_id: str, link: UpstreamLink) -> str | None:
    """The upstream's public key with this id: handed over at enrolment, known already, or fetched now from
    the upstream itself (a node enrolled before keys were handed over, or the upstream rotated)."""
    if link.upstream_public_key and key_id == link.upstream_key_id:
        return link.upstream_public_key
    known = UpstreamKey.objects.filter(key_id=key_id, upstream_prefix=link.upstream_prefix).first()
    if known is not None:
        return known.public_key
    try:
        answer = signed_request(method="GET", path=NODE_KEY_PATH)  # the upstream's enrolled URL
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, NotEnrolled):
        return None
    if answer.get("key_id") != key_id or not signing.public_key_valid(answer.get("public_key") or ""):
        return None
    UpstreamKey.objects.update_or_create(
        key_id=key_id,
        defaults={"public_key": answer["public_key"], "upstream_prefix": link.upstream_prefix},
    )
    return answer["public_key"]


class UpstreamSignatureAuthentication(authentication.BaseAuthentication):
    """``request.auth`` is this node's ``UpstreamLink`` when the upstream node signed the request."""

    def authenticate_header(self, request):
        return 'NodeSignature realm="federation-downlink"'

    def authenticate(self, request):
        key_id, timestamp, nonce, signature = signed_headers(request)
        link = upstream_link()
        public_key = _upstream_public_key(key_id=key_id, link=link) if link is not None else None
        if public_key is None:
            raise exceptions.PermissionDenied("not signed by this node's upstream node")
        message = signed_message(request, key_id=key_id, timestamp=timestamp, nonce=nonce)
        if not signing.signature_valid(public_key=public_key, signature=signature, message=message):
            raise exceptions.AuthenticationFailed("bad signature")
        _remember_nonce(key_id=key_id, nonce=nonce)
        return AnonymousUser(), link


class UpstreamSignatureScheme(OpenApiAuthenticationExtension):
    target_class = UpstreamSignatureAuthentication
    name = "UpstreamNodeSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": signing.HEADER_SIGNATURE,
            "description": (
                "上级节点以其下行签名密钥（GET /api/v1/federation/node-key/ 公布的公钥）签名："
                "X-Node-Key-Id、X-Node-Timestamp、X-Node-Nonce、X-Node-Signature。"
            ),
        }


class IsUpstreamNode(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, UpstreamLink)


class UpstreamAPIView(APIView):
    """Base of the endpoints a node exposes to its upstream node: absent (404) on a node without one."""

    authentication_classes = [UpstreamSignatureAuthentication]
    permission_classes = [IsUpstreamNode]
    throttle_classes = []

    def initial(self, request, *args, **kwargs):
        if upstream_link() is None:
            raise Http404
        super().initial(request, *args, **kwargs)


class NodeKeyView(APIView):
    """本节点下行请求的签名公钥 (the public key this node signs requests to the nodes below it with).

    Public and read-only (a public key; the node below trusts it as far as it trusts the upstream URL it
    enrolled with): it is asked while this node's own transaction waits for the asking node's answer, so
    it must not write (a signed request records its nonce)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        if settings.NODE_ROLE not in ("national", "regional"):
            raise Http404
        super().initial(request, *args, **kwargs)

    @extend_schema(tags=["federation"], responses={200: dict})
    def get(self, request):
        key = node_key()
        return Response({"key_id": key.key_id, "algorithm": key.algorithm, "public_key": key.public_key})
