"""The outcome of a hold placed at a node below (confirmed, declined, expired) arrives here, signed by that
node through its outbox (orders.remote ``hold_outcome``), and decides the demand's scheduling record of
that node's provider as a local provider's decision would: confirmed when every hold of the part is,
declined (the plan falls through, the other holds are released and withdrawn) otherwise. Only the node
the hold was placed at (or the node it is enrolled through) may report it; anything else is a 404.
"""

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from federation.authentication import NodeAPIView
from federation.models import Peer
from orders.models import NetworkHold, NetworkHoldDirection, NetworkHoldState
from orders.remote import node_user, outcome_send
from orders.remote_relay import RELAY, relay_outcome

from . import network, services
from .models import SchedulingRecord, SchedulingStatus

OUTCOMES = (NetworkHoldState.CONFIRMED, NetworkHoldState.DECLINED, NetworkHoldState.EXPIRED)


def _record(row: NetworkHold) -> SchedulingRecord | None:
    match_id = row.reference.removeprefix("match:")
    if not match_id.isdigit():
        return None
    return SchedulingRecord.objects.filter(
        match_id=int(match_id), remote_node=row.peer_prefix, remote_provider=row.provider_name
    ).first()


def hold_outcome_receive(*, peer: Peer, request_key: str, state: str, reason: str, order_number: str) -> NetworkHold:
    """Apply one outcome (a repeat changes nothing). Http404 for a hold this peer may not report."""
    with transaction.atomic():
        row = (
            NetworkHold.objects.select_for_update()
            .filter(direction=NetworkHoldDirection.OUTGOING, request_key=request_key)
            .first()
        )
        if row is None or not peer.covers(row.peer_prefix):
            raise Http404
        if row.state != NetworkHoldState.HELD:
            if state == NetworkHoldState.CONFIRMED and row.state == NetworkHoldState.RELEASED:
                network.remote_holds_withdraw_row(row=row)  # confirmed below after the plan fell through here
            return row
        row.state, row.reason, row.order_number = state, reason[:1000], order_number[:32]
        row.decided_at = timezone.now()
        row.save(update_fields=["state", "reason", "order_number", "decided_at"])
        if row.reference.startswith(RELAY):  # this node relayed the request of its upstream: it goes up
            relay_outcome(row=row, enqueue=outcome_send)
        record = _record(row)
    if record is None or record.status != SchedulingStatus.PENDING:
        return row
    actor = node_user(prefix=row.peer_prefix, name=row.peer_name)
    if state == NetworkHoldState.CONFIRMED:
        others = NetworkHold.objects.filter(
            direction=NetworkHoldDirection.OUTGOING,
            reference=row.reference,
            peer_prefix=row.peer_prefix,
            provider_name=row.provider_name,
            state=NetworkHoldState.HELD,
        )
        if not others.exists():
            services.scheduling_confirm(record=record, actor=actor, remote=True)
    else:
        label = _("下级节点服务商谢绝") if state == NetworkHoldState.DECLINED else _("下级节点的资源预留已过期")
        services.scheduling_decline(
            record=record, actor=actor, reason=f"{label}：{reason}" if reason else label, remote=True
        )
    return row


class HoldOutcomeSerializer(serializers.Serializer):
    request_key = serializers.CharField(max_length=64)
    identifier = serializers.CharField(max_length=64, required=False, allow_blank=True)
    state = serializers.CharField(max_length=16, help_text="confirmed / declined / expired")
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    order_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    def validate_state(self, value):
        if value not in OUTCOMES:
            raise serializers.ValidationError("应为 confirmed、declined 或 expired。")
        return value


class HoldOutcomeView(NodeAPIView):
    """下级节点报告跨节点预留的结果 (a node below reports the outcome of a hold placed there)."""

    @extend_schema(
        tags=["federation"],
        request=HoldOutcomeSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={200: OpenApiResponse(description="已处理（重复送达不作改动）"), 404: dict},
    )
    def post(self, request):
        self.idempotency_key(request)
        serializer = HoldOutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = hold_outcome_receive(
            peer=request.auth,
            request_key=data["request_key"],
            state=data["state"],
            reason=data["reason"],
            order_number=data["order_number"],
        )
        return Response({"request_key": row.request_key, "state": row.state})
