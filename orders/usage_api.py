"""Access hand-off, usage and statements over the standard interface:

- ``GET/PUT /api/v1/orders/{id}/access/``: the provider (its API key or staff) attaches the access details;
  the buyer's authorised people read them; everyone else who may see the order sees only that they exist.
- ``GET/POST /api/v1/usage/``: providers push usage records (idempotent per ``record_id``: the same again
  answers 200, different content 409); buyers and providers list the records of their orders.
- ``GET /api/v1/statements/?month=YYYY-MM&side=buyer|provider``: the month's statement.
Orders of other organisations answer 404.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import access, selectors, statements
from .api import _buyer_key, _key_provider, _Scoped
from .models import OrderAccess, UsageRecord
from .usage import UsageConflict, UsageInput, usage_record_push
from .usage_serializers import (
    AccessRevealSerializer,
    AccessStateSerializer,
    AccessWriteSerializer,
    StatementSerializer,
    UsageRecordSerializer,
)


def _django_errors(error: DjangoValidationError) -> serializers.ValidationError:
    detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    return serializers.ValidationError(detail)


def _orders_for(request):
    """The orders the caller may see, and the provider it acts for (None for a buyer)."""
    provider = _key_provider(request)
    if provider is not None:
        return selectors.orders_of_provider(provider=provider), provider
    user = request.user
    if _buyer_key(request):
        return selectors.orders_for_buyer(user=user), None
    return (selectors.orders_for_buyer(user=user) | selectors.orders_for_provider(user=user)).distinct(), (
        selectors.provider_of(user)
    )


class OrderAccessView(_Scoped, APIView):
    @extend_schema(
        tags=["orders"],
        summary="订单接入信息 (the buyer's authorised people get the details; others only whether they exist)",
        responses={200: AccessRevealSerializer},
    )
    def get(self, request, pk: int):
        orders, _provider = _orders_for(request)
        order = orders.filter(pk=pk).first()
        if order is None:
            raise Http404
        row = OrderAccess.objects.filter(order=order).values("revision", "updated_at").first() or {}
        state = {
            "order_id": order.pk,
            "attached": bool(row),
            "revision": row.get("revision"),
            "updated_at": row.get("updated_at"),
        }
        if _key_provider(request) is None and access.access_may_reveal(user=request.user, order=order):
            details = access.access_reveal(user=request.user, order=order)
            if details is not None:
                return Response({**state, **details.__dict__})
        return Response(AccessStateSerializer(state).data)

    @extend_schema(
        tags=["orders"],
        summary="服务商提供接入信息 (endpoint, account, credential or a reference; encrypted at rest)",
        request=AccessWriteSerializer,
        responses={200: AccessStateSerializer},
    )
    def put(self, request, pk: int):
        orders, provider = _orders_for(request)
        order = orders.filter(pk=pk).first()
        if order is None or provider is None or provider.pk != order.provider_id:
            raise Http404
        data = AccessWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            saved = access.access_attach(
                order=order,
                actor=request.user,
                details=access.AccessDetails(**data.validated_data),
                provider=_key_provider(request),
            )
        except PermissionDenied:
            raise Http404 from None
        except DjangoValidationError as error:
            raise _django_errors(error) from error
        state = {"order_id": order.pk, "attached": True, "revision": saved.revision, "updated_at": saved.updated_at}
        return Response(AccessStateSerializer(state).data)


@extend_schema_view(
    list=extend_schema(tags=["usage"], summary="用量记录 (the records of the caller's orders)"),
    retrieve=extend_schema(tags=["usage"], summary="用量记录详情"),
    create=extend_schema(
        tags=["usage"],
        summary="服务商上报用量 (idempotent per record_id: same again 200, different content 409)",
        responses={
            201: UsageRecordSerializer,
            200: UsageRecordSerializer,
            409: OpenApiResponse(description="record_id 已用于不同内容的用量记录"),
        },
    ),
)
class UsageRecordViewSet(_Scoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = UsageRecordSerializer

    def get_queryset(self):
        orders, _provider = _orders_for(self.request)
        return UsageRecord.objects.filter(order__in=orders.values("pk")).order_by("-ended_at", "-pk")

    def create(self, request, *args, **kwargs):
        orders, provider = _orders_for(request)
        if provider is None:
            raise Http404
        data = UsageRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {name: data.validated_data[name] for name in UsageInput.__dataclass_fields__}
        try:
            record, created = usage_record_push(provider=provider, data=UsageInput(**fields))
        except PermissionDenied:
            raise Http404 from None
        except UsageConflict as conflict:
            return Response(
                {"record_id": [f"用量记录编号“{conflict.record.record_id}”已用于内容不同的记录，不能覆盖。"]},
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as error:
            raise _django_errors(error) from error
        return Response(
            UsageRecordSerializer(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class StatementView(_Scoped, APIView):
    @extend_schema(
        tags=["usage"],
        summary="月度账单 (per order and resource: card-hours and amount of the month)",
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM（默认本月）"),
            OpenApiParameter(
                "side",
                OpenApiTypes.STR,
                enum=["buyer", "provider"],
                description="视角（默认 buyer；API 密钥为 provider）",
            ),
        ],
        responses={200: StatementSerializer},
    )
    def get(self, request):
        month = request.query_params.get("month") or statements.current_month()
        provider = _key_provider(request)
        side = "provider" if provider is not None else request.query_params.get("side", "buyer")
        if _buyer_key(request):
            side = "buyer"
        if side not in ("buyer", "provider"):
            raise serializers.ValidationError({"side": ["视角应为 buyer 或 provider。"]})
        if provider is not None:
            orders = selectors.orders_of_provider(provider=provider)
        elif side == "provider":
            orders = selectors.orders_for_provider(user=request.user)
        else:
            orders = selectors.orders_for_buyer(user=request.user)
        try:
            statement = statements.statement_for_month(orders=orders, month=month, title=side)
        except DjangoValidationError as error:
            raise _django_errors(error) from error
        payload = {
            "title": statement.title,
            "period": statement.period,
            "card_hours": statement.card_hours,
            "amount_yuan": statement.amount_yuan,
            "lines": [line.__dict__ for line in statement.lines],
        }
        return Response(StatementSerializer(payload).data)
