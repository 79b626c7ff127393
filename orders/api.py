"""Holds and orders over the standard interface (/api/v1/holds/, /api/v1/orders/).

A provider's API key sees its provider's holds and orders only; a signed-in person sees their
organisation's purchases and, for provider staff, their provider's sales. Anything else answers 404.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.api.authentication import ProviderApiKeyAuthentication
from catalog.models import ProviderApiKey

from . import selectors, services
from .buyer_keys import BuyerApiKeyAuthentication
from .models import BuyerApiKey, Hold, Order
from .serializers import HoldSerializer, OrderActionSerializer, OrderSerializer


def _key_provider(request):
    auth = getattr(request, "auth", None)
    return auth.provider if isinstance(auth, ProviderApiKey) else None


def _buyer_key(request) -> bool:
    """A buyer organisation's key: its creator's purchases only, never their provider's sales."""
    return isinstance(getattr(request, "auth", None), BuyerApiKey)


class _Scoped:
    authentication_classes = [ProviderApiKeyAuthentication, BuyerApiKeyAuthentication, SessionAuthentication]
    lookup_value_regex = r"\d+"


@extend_schema_view(
    list=extend_schema(tags=["orders"], summary="资源预留 (holds placed when a buyer accepts a plan)"),
    retrieve=extend_schema(tags=["orders"], summary="资源预留详情 (one hold)"),
)
class HoldViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    serializer_class = HoldSerializer

    def get_queryset(self):
        provider = _key_provider(self.request)
        if provider is not None:
            return Hold.objects.filter(provider=provider).order_by("-created_at", "-pk")
        user = self.request.user
        own = selectors.holds_for_buyer(user=user)
        if _buyer_key(self.request):
            return own.order_by("-created_at", "-pk")
        sold = selectors.holds_for_provider(user=user)
        return (own | sold).distinct().order_by("-created_at", "-pk")


@extend_schema_view(
    list=extend_schema(tags=["orders"], summary="订单 (orders: the buyer's purchases or the provider's sales)"),
    retrieve=extend_schema(tags=["orders"], summary="订单详情 (one order with its lines)"),
)
class OrderViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer

    def get_queryset(self):
        provider = _key_provider(self.request)
        if provider is not None:
            return Order.objects.filter(provider=provider).prefetch_related("lines__resource").order_by("-pk")
        user = self.request.user
        own = selectors.orders_for_buyer(user=user)
        if _buyer_key(self.request):
            return own.order_by("-pk")
        sold = selectors.orders_for_provider(user=user)
        return (own | sold).distinct().order_by("-pk")

    def _act(self, request, service, **kwargs):
        order = self.get_object()
        try:
            order = service(order=order, actor=request.user, **kwargs)
        except PermissionDenied:
            raise Http404 from None
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            raise serializers.ValidationError(detail) from error
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(tags=["orders"], summary="服务商开通服务 (confirmed → active)", request=None)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._act(request, services.order_activate)

    @extend_schema(tags=["orders"], summary="服务商完成服务 (active → completed; cards free again)", request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(request, services.order_complete)

    @extend_schema(tags=["orders"], summary="取消订单 (either side before activation; cards free again)")
    @action(detail=True, methods=["post"], serializer_class=OrderActionSerializer)
    def cancel(self, request, pk=None):
        data = OrderActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(request, services.order_cancel, reason=data.validated_data.get("reason", ""))
