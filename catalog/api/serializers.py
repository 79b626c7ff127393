"""Serializers of the provider interface: validation only; writes go through catalog.services."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from infra.serializers import FieldsBuiltOnce
from organizations.models import Division

from ..models import AppService, ComputeResource, Identifier, ListingState, NetworkLine, Site
from ..services.records import DESCRIBE_FIELDS, LIVE_FIELDS

READ_ONLY = ["external_id", "identifier", "listing_state", "version", "updated_at"]


class RecordSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    identifier = serializers.SerializerMethodField(help_text="算力标识（审核通过后发放）")

    def __init__(self, *args, provider=None, **kwargs):
        self.provider = provider
        super().__init__(*args, **kwargs)

    def get_identifier(self, record) -> str | None:
        try:
            return record.identifier.code  # select_related by the list selector
        except ObjectDoesNotExist:
            return None

    def full_description(self) -> dict:
        """PUT replaces the whole description: omitted optional fields take their defaults."""
        data = dict(self.validated_data)
        model = self.Meta.model
        for name in DESCRIBE_FIELDS[model]:
            if name not in data and name != "resources":
                data[name] = model._meta.get_field(name).get_default()
        return data


class ComputeResourceSerializer(RecordSerializer):
    site = serializers.SlugRelatedField(
        slug_field="code", queryset=Site.objects.none(), help_text="本服务商数据中心站点编号"
    )
    certifications = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=20)

    class Meta:
        model = ComputeResource
        fields = [*READ_ONLY, "province_code", "city_code", *DESCRIBE_FIELDS[ComputeResource]]
        read_only_fields = [*READ_ONLY, "province_code", "city_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(provider=self.provider)


class NetworkLineSerializer(RecordSerializer):
    from_city = serializers.SlugRelatedField(
        slug_field="code", queryset=Division.objects.filter(level="city"), help_text="起点城市 GB/T 2260 代码"
    )
    to_site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), help_text="终点数据中心站点 ID")

    class Meta:
        model = NetworkLine
        fields = [*READ_ONLY, *DESCRIBE_FIELDS[NetworkLine]]
        read_only_fields = READ_ONLY


class AppServiceSerializer(RecordSerializer):
    resource_identifiers = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=200,
        help_text="所用算力资源的算力标识（须为已上架资源）",
    )

    class Meta:
        model = AppService
        fields = [*READ_ONLY, *[name for name in DESCRIBE_FIELDS[AppService] if name != "resources"]]
        fields.append("resource_identifiers")
        read_only_fields = READ_ONLY

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["resource_identifiers"] = sorted(
            Identifier.objects.filter(resource__in=instance.resources.all()).values_list("code", flat=True)
        )
        return data

    def validate_resource_identifiers(self, codes):
        codes = sorted({code.strip().upper() for code in codes})
        found = {
            identifier.code: identifier.resource
            for identifier in Identifier.objects.filter(
                code__in=codes, resource__isnull=False, resource__listing_state=ListingState.APPROVED
            ).select_related("resource")
        }
        missing = [code for code in codes if code not in found]
        if missing:
            raise serializers.ValidationError(
                _("找不到这些已上架资源的算力标识：%(codes)s") % {"codes": "、".join(missing)}
            )
        return [found[code] for code in codes]

    def full_description(self) -> dict:
        data = super().full_description()
        data["resources"] = data.pop("resource_identifiers", [])
        return data


def _status_serializer(model, serializer_name):
    class Meta:
        fields = list(LIVE_FIELDS[model])
        extra_kwargs = {name: {"required": False} for name in LIVE_FIELDS[model]}

    Meta.model = model

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                _("请至少提供一个字段：%(fields)s") % {"fields": "、".join(LIVE_FIELDS[model])}
            )
        return attrs

    return type(serializer_name, (FieldsBuiltOnce, serializers.ModelSerializer), {"Meta": Meta, "validate": validate})


ComputeResourceStatusSerializer = _status_serializer(ComputeResource, "ComputeResourceStatusSerializer")
NetworkLineStatusSerializer = _status_serializer(NetworkLine, "NetworkLineStatusSerializer")
AppServiceStatusSerializer = _status_serializer(AppService, "AppServiceStatusSerializer")


class SiteSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.organization.name")
    city = serializers.CharField(source="city.name_zh")

    class Meta:
        model = Site
        fields = ["id", "code", "name", "provider", "province_id", "city_id", "city", "pue", "tier"]
