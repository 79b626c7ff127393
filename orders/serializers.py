"""Serializers of /api/v1/orders/ and /api/v1/holds/ (read shapes; the rules live in services)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Hold, HoldState, Order, OrderLine, OrderState


def _state_field(choices: type, description: str) -> serializers.CharField:
    @extend_schema_field({"type": "string", "description": f"{' / '.join(choices.values)}. {description}"})
    class StateField(serializers.CharField):
        pass

    return StateField(read_only=True)


class OrderLineSerializer(serializers.ModelSerializer):
    resource_id = serializers.IntegerField(read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True)
    line_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = OrderLine
        fields = ["resource_id", "resource_name", "cards", "units", "unit_price_yuan", "amount_yuan", "line_id"]


class OrderSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="订单号")
    state = _state_field(OrderState, "订单状态：confirmed → active → completed / cancelled")
    provider_id = serializers.IntegerField(read_only=True)
    provider_name = serializers.CharField(source="provider.organization.name", read_only=True)
    buyer_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="需求方单位")
    buyer_name = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "reference",
            "state",
            "provider_id",
            "provider_name",
            "buyer_id",
            "buyer_name",
            "hours",
            "compute_yuan",
            "line_yuan",
            "total_yuan",
            "created_at",
            "activated_at",
            "ended_at",
            "cancel_reason",
            "lines",
        ]

    def get_buyer_name(self, order: Order) -> str:
        return order.buyer.name if order.buyer_id else str(order.buyer_user)


class HoldSerializer(serializers.ModelSerializer):
    state = _state_field(HoldState, "预留状态：held → confirmed / released / expired")
    resource_id = serializers.IntegerField(read_only=True)
    provider_id = serializers.IntegerField(read_only=True)
    buyer_id = serializers.IntegerField(read_only=True, allow_null=True)
    order_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Hold
        fields = [
            "id",
            "reference",
            "state",
            "resource_id",
            "provider_id",
            "buyer_id",
            "cards",
            "units",
            "hours",
            "unit_price_yuan",
            "amount_yuan",
            "created_at",
            "expires_at",
            "ended_at",
            "order_id",
        ]


class OrderActionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="取消原因（取消时必填）"
    )
