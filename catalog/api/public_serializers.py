"""Serializers of the catalogue read API: the fields the public pages show (directory, provider and site
pages, record pages), nothing else (no contacts, no provider-side keys, no listing workflow)."""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from infra.api_fields import LabelledChoiceField, labels

from ..models import (
    AppServiceKind,
    BillingUnit,
    CpuArchitecture,
    NetworkLineKind,
    OnboardingState,
    RecordState,
    ResourceClass,
)
from ..models.providers import SiteTier
from ..resolution import PUBLISHED_STATES

CHOICE_SCHEMA = {
    "type": "object",
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
    },
}


@extend_schema_field(CHOICE_SCHEMA)
class Choice(LabelledChoiceField):
    """``{"value": "online", "label": {"zh": "在线", "en": "Online"}}``."""


def public_identifier(record):
    """The record's identifier while it is public (issued, filed, active), else None."""
    try:
        identifier = record.identifier
    except ObjectDoesNotExist:
        return None
    return identifier if identifier.state in PUBLISHED_STATES else None


class DivisionOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_zh")


class CatalogProviderRef(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="organization.name")


class CatalogSiteRef(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    city = DivisionOut()


class ProviderOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="organization.name")
    uscc = serializers.CharField(source="organization.uscc", help_text="统一社会信用代码")
    onboarding_state = Choice(choices=OnboardingState.choices, help_text="入网入市状态（已认证、已暂停）")
    kinds = serializers.ListField(child=serializers.CharField(), help_text="resource_provider、reseller、…")
    certified_at = serializers.DateTimeField(allow_null=True)
    reseller_qualified_until = serializers.DateField(allow_null=True)
    public_resource_count = serializers.IntegerField()
    public_line_count = serializers.IntegerField()
    public_app_count = serializers.IntegerField()
    site_count = serializers.IntegerField()
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, provider) -> str:
        return f"/catalog/providers/{provider.pk}/"


class SiteOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    provider = CatalogProviderRef()
    province = DivisionOut()
    city = DivisionOut()
    address = serializers.CharField()
    pue = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    tier = serializers.SerializerMethodField()
    public_resource_count = serializers.IntegerField()
    html_url = serializers.SerializerMethodField()

    @extend_schema_field({**CHOICE_SCHEMA, "nullable": True})
    def get_tier(self, site):
        if not site.tier:
            return None
        return {"value": site.tier, "label": labels(dict(SiteTier.choices).get(site.tier, site.tier))}

    def get_html_url(self, site) -> str:
        return f"/catalog/sites/{site.pk}/"


class RecordOut(serializers.Serializer):
    identifier = serializers.SerializerMethodField(help_text="算力标识（暂停或注销时为 null）")
    name = serializers.CharField()
    description = serializers.CharField()
    provider = CatalogProviderRef()
    state = Choice(choices=RecordState.choices, help_text="运行状态")
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    html_url = serializers.SerializerMethodField(help_text="站点上的记录页（英文界面在 /en/ 下）")

    def get_identifier(self, record) -> str | None:
        identifier = public_identifier(record)
        return identifier.code if identifier else None

    def get_html_url(self, record) -> str | None:
        identifier = public_identifier(record)
        return f"/catalog/r/{identifier.code}/" if identifier else None


class ResourceOut(RecordOut):
    resource_class = Choice(choices=ResourceClass.choices, help_text="算力类型")
    site = CatalogSiteRef()
    province_code = serializers.CharField()
    city_code = serializers.CharField()
    accelerator_vendor = serializers.CharField()
    accelerator_model = serializers.CharField()
    accelerators_per_node = serializers.IntegerField()
    node_count = serializers.IntegerField()
    total_cards = serializers.IntegerField()
    cpu_architecture = Choice(choices=CpuArchitecture.choices)
    vcpus_per_node = serializers.IntegerField(allow_null=True)
    memory_gb_per_node = serializers.IntegerField(allow_null=True)
    accelerator_memory_gb = serializers.IntegerField(allow_null=True)
    storage_tb = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    fp64_tflops_per_card = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    fp32_tflops_per_card = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    fp16_tflops_per_card = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    int8_tops_per_card = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    interconnect = serializers.CharField()
    billing_unit = Choice(choices=BillingUnit.choices)
    price_yuan = serializers.DecimalField(max_digits=12, decimal_places=2)
    available_units = serializers.IntegerField()
    sla_availability_percent = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    certifications = serializers.ListField(child=serializers.CharField())


class LineOut(RecordOut):
    kind = Choice(choices=NetworkLineKind.choices, help_text="线路类型")
    from_city = DivisionOut()
    to_site = CatalogSiteRef()
    bandwidth_mbps = serializers.IntegerField()
    latency_ms = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    jitter_ms = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    price_yuan_per_month = serializers.DecimalField(max_digits=12, decimal_places=2)


class UsedResourceOut(serializers.Serializer):
    name = serializers.CharField()
    identifier = serializers.CharField(allow_null=True)


class AppServiceOut(RecordOut):
    kind = Choice(choices=AppServiceKind.choices, help_text="服务类型")
    price_yuan = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
    pricing_unit = serializers.CharField()
    available_units = serializers.IntegerField(allow_null=True)
    resources = serializers.SerializerMethodField(help_text="使用的算力资源（仅已上架的）")

    @extend_schema_field(UsedResourceOut(many=True))
    def get_resources(self, app):
        used = [resource for resource in app.resources.all() if resource.is_public]
        return [
            {"name": resource.name, "identifier": getattr(public_identifier(resource), "code", None)}
            for resource in used
        ]
