"""Signed requests down the network: an upstream node asks a node enrolled below it (a hold on that node's
capacity, its release). The reverse of client.py/authentication.py, with the same signature scheme
(signing.py) and the same replay protection (one nonce per key in ``SeenNonce``):

- the upstream signs with its own ``NodeKey`` (node_key.py, made on first use) and sends to the peer's registered URL;
- the node below verifies with the keys its upstream publishes (``GET /api/v1/federation/node-key/``,
  public and read-only: the live key and the retired ones inside their overlap window), as
  federation/upstream_keys.py keeps them. A request signed by any other node's key, or by a retired key
  after its window, is refused (403); a node without an upstream (the national node) has no such
  endpoints (404).
"""

import json

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
from .http import Unreachable, exchange
from .models import Peer, UpstreamLink
from .node_key import downward_signature_headers, node_key, node_keys_published
from .selectors import upstream_link
from .upstream_keys import upstream_key, upstream_keys_accepted, upstream_keys_refresh

__all__ = ["NodeUnreachable", "downlink_request", "node_key"]  # node_key: for the demand flow


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


class UpstreamSignatureAuthentication(authentication.BaseAuthentication):
    """``request.auth`` is this node's ``UpstreamLink`` when the upstream node signed the request."""

    def authenticate_header(self, request):
        return 'NodeSignature realm="federation-downlink"'

    def authenticate(self, request):
        key_id, timestamp, nonce, signature = signed_headers(request)
        link = upstream_link()
        key = upstream_key(key_id=key_id, link=link) if link is not None else None
        if key is None:
            raise exceptions.PermissionDenied("not signed by a valid key of this node's upstream node")
        message = signed_message(request, key_id=key_id, timestamp=timestamp, nonce=nonce, algorithm=key.algorithm)
        if not signing.signature_valid(
            public_key=key.public_key, signature=signature, message=message, algorithm=key.algorithm
        ):
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


class UpstreamKeysRotatedView(UpstreamAPIView):
    """上级节点已轮换下行签名密钥 (the upstream rotated its downward key; federation/key_rotation.py).

    Signed by the upstream with its new key: verifying it already made this node read the upstream's
    published keys (an unknown key id); they are read again here in any case, so a key withdrawn with
    ``--overlap 0`` / ``--revoke-old`` is refused from now on. Nothing in the body is trusted. Answers with
    the upstream key ids this node now accepts; 503 when the published keys cannot be read (the upstream
    retries)."""

    @extend_schema(tags=["federation"], request=dict, responses={200: dict, 503: dict})
    def post(self, request):
        link = request.auth
        if not upstream_keys_refresh(link=link):
            return Response({"detail": "暂时无法读取上级节点公布的签名公钥，请稍后重试。"}, status=503)
        return Response({"accepted_key_ids": upstream_keys_accepted(link=link)})


class NodeKeyView(APIView):
    """本节点下行请求的签名公钥 (the public keys of this node's requests to the nodes below it): the live key
    (top level, and first of ``keys``) and the keys retired by a rotation that stay valid until ``retires_at``.

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
        live = node_key()
        published = [live] + [key for key in node_keys_published() if key.pk != live.pk]
        return Response(
            {
                "key_id": live.key_id,
                "algorithm": live.algorithm,
                "public_key": live.public_key,
                "keys": [
                    {
                        "key_id": key.key_id,
                        "algorithm": key.algorithm,
                        "public_key": key.public_key,
                        "retires_at": key.retires_at.isoformat() if key.retires_at else None,
                    }
                    for key in published
                ],
            }
        )
