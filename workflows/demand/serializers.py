"""Serializers of /api/v1/demands/: shape validation only; the rules live in services."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organizations.models import Division

from .models import Demand, DemandMatch, DemandStatus, MatchAllotment, MatchState, SchedulingRecord, SchedulingStatus


def _state_field(choices: type, description: str) -> serializers.CharField:
    """A read-only state, documented as a string listing its values: spectacular names every enum by its
    field name, and "state"/"status" already mean other things in other apps of this interface."""

    @extend_schema_field({"type": "string", "description": f"{' / '.join(choices.values)}. {description}"})
    class StateField(serializers.CharField):
        pass

    return StateField(read_only=True)


class DemandInputSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Division.objects.filter(level="city"),
        help_text="使用方所在地级城市 GB/T 2260 代码，如 510100",
        error_messages={
            "does_not_exist": _("未知的地级城市代码：%(value)s。"),
            "invalid": _("城市代码格式不正确。"),
        },
    )
    accelerator_model = serializers.CharField(
        required=False, allow_blank=True, max_length=128, help_text="加速卡型号（参考表中的名称）；不限型号时留空"
    )
    customer_uscc = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        help_text="代客户提交：客户单位的统一社会信用代码。仅持有有效算力转售调度资格的转售调度服务商可填写。",
    )

    class Meta:
        model = Demand
        fields = [
            "resource_class",
            "accelerator_model",
            "min_fp16_tflops_total",
            "card_count",
            "duration_hours",
            "city",
            "max_latency_ms",
            "budget_yuan",
            "prefer_my_province",
            "min_reliability_percent",
            "note",
            "customer_uscc",
        ]

    def validate_customer_uscc(self, value: str) -> str:
        return (value or "").strip().upper()


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    latency_ms = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    bandwidth_mbps = serializers.IntegerField()
    price_yuan_per_month = serializers.DecimalField(max_digits=12, decimal_places=2)


class AllotmentSerializer(serializers.ModelSerializer):
    resource_id = serializers.IntegerField(source="resource.id")
    identifier = serializers.SerializerMethodField(help_text="算力标识")
    name = serializers.CharField(source="resource.name")
    provider = serializers.CharField(source="resource.provider.organization.name")
    site = serializers.CharField(source="resource.site.name")
    city_code = serializers.CharField(source="resource.city_code")
    accelerator_model = serializers.CharField(source="resource.accelerator_model")
    billing_unit = serializers.CharField(source="resource.billing_unit")
    line = LineSerializer(allow_null=True, help_text="用户所在城市到该站点的最优专线；无专线时为 null")

    class Meta:
        model = MatchAllotment
        fields = [
            "resource_id",
            "identifier",
            "name",
            "provider",
            "site",
            "city_code",
            "accelerator_model",
            "billing_unit",
            "cards",
            "units",
            "unit_price_yuan",
            "price_yuan",
            "latency_ms",
            "line",
        ]

    def get_identifier(self, obj) -> str | None:
        try:
            return obj.resource.identifier.code
        except ObjectDoesNotExist:
            return None

    def to_representation(self, obj):
        if obj.resource_id is not None:
            return {**super().to_representation(obj), "source_node": None}
        synced = obj.synced or {}  # a resource of a node below: what the offer showed, and its node
        return {
            "resource_id": None,
            "identifier": obj.synced_identifier,
            "name": synced.get("name", ""),
            "provider": synced.get("provider", ""),
            "site": synced.get("site", ""),
            "city_code": "",
            "accelerator_model": "",
            "billing_unit": synced.get("billing_unit", ""),
            "cards": obj.cards,
            "units": obj.units,
            "unit_price_yuan": format(obj.unit_price_yuan, "f"),
            "price_yuan": format(obj.price_yuan, "f"),
            "latency_ms": None,
            "line": None,
            "source_node": {
                "prefix": synced.get("source_prefix", ""),
                "name": synced.get("source_name", ""),
                "record_url": synced.get("source_url", ""),
            },
        }


class ExplanationComponentSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="price / latency / province / certification / consolidation")
    label = serializers.CharField()
    points = serializers.CharField()
    max = serializers.IntegerField()
    detail = serializers.CharField()


class ExplanationSerializer(serializers.Serializer):
    text = serializers.CharField(source="explanation_text", help_text="得分说明（中文）")
    components = serializers.SerializerMethodField()

    @extend_schema_field(ExplanationComponentSerializer(many=True))
    def get_components(self, obj):
        return obj.explanation.get("components", [])


class MatchSerializer(serializers.ModelSerializer):
    state = _state_field(
        MatchState, "offered 可选择 / accepted 已选择 / confirmed 已确认 / declined 被谢绝 / closed 已关闭"
    )
    explanation = ExplanationSerializer(source="*")
    allotments = AllotmentSerializer(many=True)

    class Meta:
        model = DemandMatch
        fields = [
            "id",
            "rank",
            "score",
            "state",
            "cards",
            "latency_ms",
            "compute_price_yuan",
            "line_price_yuan",
            "total_price_yuan",
            "offered_at",
            "accepted_at",
            "explanation",
            "allotments",
        ]


class SchedulingRecordSerializer(serializers.ModelSerializer):
    status = _state_field(SchedulingStatus, "pending 待确认 / confirmed 已确认 / declined 已谢绝 / cancelled 已取消")
    provider = serializers.CharField(source="provider_display")
    match_rank = serializers.IntegerField(source="match.rank")

    class Meta:
        model = SchedulingRecord
        fields = [
            "id",
            "match_rank",
            "provider",
            "status",
            "cards",
            "price_yuan",
            "cross_province",
            "accepted_at",
            "confirmed_at",
            "declined_at",
            "decline_reason",
        ]


DEMAND_STATUS_HELP = "已提交 / 已匹配待选择 / 暂无匹配 / 待服务商确认 / 调度完成 / 未能调度 / 方案预留已过期"


class DemandSerializer(serializers.ModelSerializer):
    status = _state_field(DemandStatus, DEMAND_STATUS_HELP)
    city = serializers.CharField(source="city_id")
    status_label = serializers.CharField(source="get_status_display")
    matches = MatchSerializer(many=True)
    scheduling_records = SchedulingRecordSerializer(many=True)
    customer_uscc = serializers.CharField(
        source="customer.uscc", allow_null=True, default=None, help_text="代客户提交时客户单位的统一社会信用代码"
    )

    class Meta:
        model = Demand
        fields = [
            "id",
            "status",
            "status_label",
            "resource_class",
            "accelerator_model",
            "min_fp16_tflops_total",
            "card_count",
            "duration_hours",
            "city",
            "max_latency_ms",
            "budget_yuan",
            "prefer_my_province",
            "min_reliability_percent",
            "note",
            "customer_uscc",
            "created_at",
            "matched_at",
            "match_summary",
            "matches",
            "scheduling_records",
        ]


class DemandListSerializer(serializers.ModelSerializer):
    status = _state_field(DemandStatus, DEMAND_STATUS_HELP)
    city = serializers.CharField(source="city_id")

    class Meta:
        model = Demand
        fields = [
            "id",
            "status",
            "resource_class",
            "accelerator_model",
            "card_count",
            "duration_hours",
            "city",
            "created_at",
        ]
