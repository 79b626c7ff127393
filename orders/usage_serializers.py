"""Serializers of /api/v1/orders/{id}/access/, /api/v1/usage/ and /api/v1/statements/."""

from rest_framework import serializers

from .models import UsageRecord


class AccessWriteSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=500, help_text="接入地址（SSH、控制台或 API 地址）")
    account = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="账号")
    credential = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", write_only=True, help_text="访问凭据（加密保存）"
    )
    credential_ref = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="凭据引用（不直接提供凭据时）"
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", help_text="说明")


class AccessStateSerializer(serializers.Serializer):
    """What everyone allowed to see the order sees: whether access is attached, never its values."""

    order_id = serializers.IntegerField()
    attached = serializers.BooleanField()
    revision = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class AccessRevealSerializer(AccessStateSerializer):
    """The buyer's authorised people only: the details in clear."""

    endpoint = serializers.CharField()
    account = serializers.CharField()
    credential = serializers.CharField()
    credential_ref = serializers.CharField()
    note = serializers.CharField()


class UsageRecordSerializer(serializers.ModelSerializer):
    record_id = serializers.CharField(max_length=64, help_text="服务商自定的用量记录编号（幂等键）")
    order_id = serializers.IntegerField(help_text="订单 id")
    resource_id = serializers.IntegerField(help_text="算力资源 id（须为订单中的资源）")
    card_hours = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0, help_text="卡时")
    job_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="", help_text="作业编号")

    class Meta:
        model = UsageRecord
        fields = [
            "id",
            "record_id",
            "order_id",
            "resource_id",
            "card_hours",
            "started_at",
            "ended_at",
            "job_id",
            "amount_yuan",
            "received_at",
        ]
        read_only_fields = ["id", "amount_yuan", "received_at"]
        validators = []  # the (provider, record_id) uniqueness is the service's idempotency, not a 400


class StatementLineSerializer(serializers.Serializer):
    period = serializers.CharField()
    order_id = serializers.IntegerField()
    order_number = serializers.CharField()
    provider = serializers.CharField()
    buyer = serializers.CharField()
    resource = serializers.CharField()
    cards = serializers.IntegerField()
    unit_price_yuan = serializers.DecimalField(max_digits=12, decimal_places=2)
    card_hours = serializers.DecimalField(max_digits=16, decimal_places=3)
    amount_yuan = serializers.DecimalField(max_digits=18, decimal_places=2)
    records = serializers.IntegerField()


class StatementSerializer(serializers.Serializer):
    title = serializers.CharField()
    period = serializers.CharField()
    card_hours = serializers.DecimalField(max_digits=16, decimal_places=3)
    amount_yuan = serializers.DecimalField(max_digits=18, decimal_places=2)
    lines = StatementLineSerializer(many=True)
