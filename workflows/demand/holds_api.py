"""Writing holds over the standard interface: the same services as the pages, so the same atomic
capacity checks and the same flow.

- ``POST /api/v1/demands/{id}/accept/``: the buyer accepts one plan of its demand; its cards are held
  (a buyer organisation's key acts as its creator; someone else's demand answers 404).
- ``POST /api/v1/holds/{id}/confirm/`` / ``decline/``: the provider (its API key, or its staff signed in)
  confirms or declines its part of the plan the hold belongs to; another provider's hold answers 404.

A conflict with the current state (cards gone, plan no longer open, part already decided) answers 409
with the Chinese reason. A retried accept carrying the same ``Idempotency-Key`` gets the first answer again,
from any process (orders.idempotency: the record is written in the accept's transaction); the same key with
a different request answers 422.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.authentication import ProviderApiKeyAuthentication
from orders import idempotency
from orders.buyer_keys import BuyerApiKeyAuthentication
from orders.models import Hold, HoldState, Order
from orders.serializers import HoldSerializer, OrderSerializer

from . import network, selectors, services
from .models import SchedulingRecord, SchedulingStatus

REFERENCE_PREFIX = selectors.HOLD_REFERENCE_PREFIX


class AcceptInputSerializer(serializers.Serializer):
    match = serializers.IntegerField(min_value=1, help_text="要接受的匹配方案 id（需求详情的 matches[].id）")


class DeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="谢绝原因（必填，需求方可见）")


AcceptResponse = inline_serializer(
    "HoldAcceptResponse",
    {
        "demand": serializers.IntegerField(),
        "match": serializers.IntegerField(),
        "holds": HoldSerializer(many=True),
    },
)
DeclineResponse = inline_serializer("HoldDeclineResponse", {"holds": HoldSerializer(many=True)})
CONFLICT = OpenApiResponse(description="与当前状态冲突：余量不足、方案已不可选择或该部分已处理（detail 为中文原因）")
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="可选幂等键（至多 128 个字符）：同一调用方以同一幂等键重试同一请求时（24 小时内，任一服务进程），"
    "返回首次成功的应答（201，应答头 Idempotent-Replayed: true）而不是 409；同一幂等键用于内容不同的请求时返回 422。",
)


def _conflict(error: DjangoValidationError) -> Response:
    messages = (
        [message for messages in error.message_dict.values() for message in messages]
        if hasattr(error, "error_dict")
        else list(error.messages)
    )
    return Response({"detail": "；".join(messages)}, status=status.HTTP_409_CONFLICT)


@extend_schema(
    tags=["orders"],
    summary="需求方接受匹配方案并预留资源 (accept a plan: its cards are held atomically on every resource)",
    description="与页面“接受方案”相同的服务：全部资源一并预留或都不预留；余量不足或方案已不可选择时返回 409。",
    request=AcceptInputSerializer,
    parameters=[IDEMPOTENCY],
    responses={
        201: AcceptResponse,
        400: OpenApiResponse(description="参数错误"),
        404: None,
        409: CONFLICT,
        422: OpenApiResponse(description="幂等键已用于内容不同的请求（Idempotency-Key 字段的中文错误）"),
    },
)
class DemandAcceptView(APIView):
    authentication_classes = [BuyerApiKeyAuthentication, SessionAuthentication]

    def post(self, request, pk: int):
        demand = selectors.demand_get_for_user(user=request.user, pk=pk)
        if demand is None:
            raise Http404
        data = AcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match_id = data.validated_data["match"]
        try:
            key = idempotency.idempotency_key_of(headers=request.headers)
        except idempotency.IdempotencyKeyInvalid as error:
            raise serializers.ValidationError({idempotency.HEADER: [str(error)]}) from None
        if key is None:
            return self._accept(request, demand, match_id)
        slot = {
            "caller": request.user,
            "key": key,
            "fingerprint": idempotency.idempotency_fingerprint(
                method=request.method, path=request.path, data={"match": match_id}
            ),
        }
        if (earlier := _replay(slot)) is not None:
            return earlier
        network.prepare(match_id=match_id)  # committed before the transaction, as demand_accept needs
        try:
            with transaction.atomic():
                record = idempotency.idempotency_claim(**slot)
                response = self._accept(request, demand, match_id)
                if response.status_code != status.HTTP_201_CREATED:
                    raise _Refused(response)  # nothing held: the key is not used up
                idempotency.idempotency_complete(record=record, status_code=response.status_code, body=response.data)
                return response
        except _Refused as refused:
            return refused.response
        except idempotency.IdempotencyKeyTaken:  # the same key committed first (a concurrent retry): its answer
            return _replay(slot) or Response(
                {"detail": _("同一幂等键的请求正在处理，请稍后重试。")}, status=status.HTTP_409_CONFLICT
            )

    def _accept(self, request, demand, match_id: int) -> Response:
        if not demand.matches.filter(pk=match_id).exists():
            raise serializers.ValidationError({"match": [_("请选择本需求的一个匹配方案。")]})
        try:
            services.demand_accept(demand=demand, match_id=match_id, actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except DjangoValidationError as error:
            return _conflict(error)
        holds = Hold.objects.filter(reference=f"{REFERENCE_PREFIX}{match_id}").order_by("resource_id", "pk")
        body = {"demand": demand.pk, "match": match_id, "holds": HoldSerializer(holds, many=True).data}
        return Response(body, status=status.HTTP_201_CREATED)


class _Refused(Exception):
    """Leaves the accept's transaction (and the key's claim) rolled back, carrying the refusal."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _replay(slot: dict) -> Response | None:
    """The first answer to this caller's key (same request), 422 for a different request, or ``None``."""
    try:
        answer = idempotency.idempotency_replay(**slot)
    except idempotency.IdempotencyMismatch as error:
        return Response({idempotency.HEADER: [str(error)]}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if answer is None:
        return None
    return Response(answer.body, status=answer.status_code, headers={"Idempotent-Replayed": "true"})


class _ProviderHoldView(APIView):
    """The provider's part of the plan a hold belongs to (its scheduling record)."""

    authentication_classes = [ProviderApiKeyAuthentication, BuyerApiKeyAuthentication, SessionAuthentication]

    def _record(self, request, pk: int) -> tuple[Hold, SchedulingRecord]:
        provider = selectors.provider_of_request(user=request.user, auth=getattr(request, "auth", None))
        found = selectors.provider_hold_with_record(provider=provider, pk=pk)
        if found is None:
            raise Http404
        return found

    def _decide(self, decide):
        try:
            decide()
        except PermissionDenied:
            raise Http404 from None
        except DjangoValidationError as error:
            if hasattr(error, "error_dict") and set(error.error_dict) - {"__all__"}:
                raise serializers.ValidationError(error.message_dict) from error
            return _conflict(error)
        return None


@extend_schema(
    tags=["orders"],
    summary="服务商确认资源预留 (confirm the provider's part: its holds become one order)",
    description="与服务商页面“确认调度”相同的服务。重试已确认的部分返回同一订单（200）；已谢绝、已取消，"
    "或预留已过期且余量不足时返回 409。",
    request=None,
    responses={201: OrderSerializer, 200: OrderSerializer, 404: None, 409: CONFLICT},
)
class HoldConfirmView(_ProviderHoldView):
    def post(self, request, pk: int):
        hold, record = self._record(request, pk)
        reference = hold.reference
        if record.status == SchedulingStatus.CONFIRMED:  # a retry: the same order again
            order = Order.objects.filter(reference=reference, provider_id=hold.provider_id).first()
            if order is not None:
                return Response(OrderSerializer(order).data)
        conflict = self._decide(lambda: services.scheduling_confirm(record=record, actor=request.user))
        if conflict is not None:
            return conflict
        order = Order.objects.prefetch_related("lines__resource").get(reference=reference, provider_id=hold.provider_id)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["orders"],
    summary="服务商谢绝资源预留 (decline the provider's part: the plan's holds are released)",
    description="与服务商页面“谢绝调度”相同的服务：整个方案不成立，预留的卡全部释放，需求方可另选方案。"
    "重试已谢绝的部分返回 200；已确认或已取消时返回 409。",
    request=DeclineInputSerializer,
    responses={200: DeclineResponse, 400: OpenApiResponse(description="缺少谢绝原因"), 404: None, 409: CONFLICT},
)
class HoldDeclineView(_ProviderHoldView):
    def post(self, request, pk: int):
        hold, record = self._record(request, pk)
        data = DeclineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if record.status != SchedulingStatus.DECLINED:
            conflict = self._decide(
                lambda: services.scheduling_decline(
                    record=record, actor=request.user, reason=data.validated_data["reason"]
                )
            )
            if conflict is not None:
                return conflict
        holds = Hold.objects.filter(reference=hold.reference, provider_id=hold.provider_id).exclude(
            state=HoldState.HELD
        )
        return Response({"holds": HoldSerializer(holds.order_by("resource_id", "pk"), many=True).data})
