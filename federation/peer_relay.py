"""A regional node's registrations relayed to the national node, so that the root's registry lists every
industry node under its regional node (``Peer.via``).

- Regional side: when an industry node enrols here (or is revoked, or re-keyed), ``peer_relay_enqueue``
  queues its public registration (prefix, name, role, URL, state — never keys) in the outbox, delivered
  signed like every upward request.
- National side: ``PeerRelayView`` accepts it only from an active regional node and only for an industry
  prefix under that node's own; the row is upserted with ``via`` = the sender. Such a row has no keys: it
  cannot authenticate at the root, and resolution still goes through the regional node (selectors.
  ``peer_for_prefix`` considers nodes enrolled directly), which stays the authority for its subtree.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from .authentication import NodeAPIView
from .models import Peer, PeerRole, PeerState
from .queue import outbox_enqueue
from .selectors import upstream_url

PEER_RELAY = "peer_registration"
PEER_RELAY_PATH = "/api/v1/federation/registry/peers/"


def peer_relay_enqueue(*, peer: Peer) -> None:
    """On a regional node with an upstream: queue ``peer``'s registration for the national node."""
    if settings.NODE_ROLE != "regional" or peer.via_id is not None or not upstream_url():
        return
    changed = peer.revoked_at or peer.enrolled_at or timezone.now()
    outbox_enqueue(
        kind=PEER_RELAY,
        idempotency_key=f"{PEER_RELAY}:{peer.prefix}:{peer.state}:{changed:%Y%m%d%H%M%S%f}",
        path=PEER_RELAY_PATH,
        payload={
            "prefix": peer.prefix,
            "name": peer.name,
            "role": peer.role,
            "url": peer.url,
            "state": peer.state,
            "enrolled_at": peer.enrolled_at.isoformat() if peer.enrolled_at else None,
        },
    )


class PeerRelaySerializer(serializers.Serializer):
    prefix = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=128)
    role = serializers.ChoiceField(choices=[PeerRole.INDUSTRY])
    url = serializers.URLField(max_length=200, allow_blank=True)
    state = serializers.ChoiceField(choices=PeerState.choices)
    enrolled_at = serializers.DateTimeField(allow_null=True)


@transaction.atomic
def peer_relay_receive(*, sender: Peer, data: dict) -> tuple[Peer | None, dict | None]:
    """Upsert the relayed registration; (None, errors) when the sender may not register it."""
    prefix = data["prefix"]
    if sender.role != PeerRole.REGIONAL or sender.via_id is not None:
        return None, {"node": ["只有直接接入的区域节点可以转报下级节点的登记。"]}
    if not prefix.startswith(sender.prefix + ".") or prefix.count(".") != sender.prefix.count(".") + 1:
        return None, {"prefix": [f"前缀 {prefix} 不在报送节点 {sender.prefix} 之下。"]}
    existing = Peer.objects.select_for_update().filter(prefix=prefix).first()
    if existing is not None and existing.via_id != sender.pk:
        return None, {"prefix": [f"前缀 {prefix} 已登记为其他节点。"]}
    revoked = data["state"] == PeerState.REVOKED
    peer, _ = Peer.objects.update_or_create(
        prefix=prefix,
        defaults={
            "name": data["name"],
            "role": PeerRole.INDUSTRY,
            "url": data["url"],
            "state": data["state"],
            "via": sender,
            "enrolled_at": data["enrolled_at"],
            "revoked_at": timezone.now() if revoked else None,
        },
    )
    return peer, None


class PeerRelayView(NodeAPIView):
    """接收区域节点转报的行业节点登记 (national node: an industry node registered under a regional node)."""

    @extend_schema(
        tags=["federation"],
        request=PeerRelaySerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            200: OpenApiResponse(description="已登记在报送的区域节点之下"),
            403: OpenApiResponse(description="报送节点不是区域节点，或前缀不在其之下"),
        },
    )
    def post(self, request):
        self.idempotency_key(request)
        if settings.NODE_ROLE != "national":
            return Response({"node": ["只有国家节点接收节点登记转报。"]}, status=404)
        serializer = PeerRelaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        peer, errors = peer_relay_receive(sender=request.auth, data=serializer.validated_data)
        if errors:
            return Response(errors, status=403)
        return Response({"prefix": peer.prefix, "via": request.auth.prefix, "state": peer.state})
