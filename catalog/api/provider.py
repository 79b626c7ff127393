"""The standard interface for providers: upsert descriptions, push live status, list own records.

Every view is scoped to the provider of the API key: another provider's record is a 404, never a 403,
so that existence does not leak. Views validate, call one service, and answer.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import AppService, ComputeResource, NetworkLine, RecordVersion, Site
from .authentication import HasProviderApiKey, ProviderApiKeyAuthentication
from .serializers import (
    AppServiceSerializer,
    AppServiceStatusSerializer,
    ComputeResourceSerializer,
    ComputeResourceStatusSerializer,
    NetworkLineSerializer,
    NetworkLineStatusSerializer,
    SiteSerializer,
)

RESOURCE_EXAMPLE = {
    "name": "A100 智算集群（成都）",
    "site": "TF-CD-01",
    "resource_class": "intelligent",
    "accelerator_model": "NVIDIA A100 80GB (SXM4)",
    "accelerators_per_node": 8,
    "node_count": 16,
    "cpu_architecture": "x86",
    "vcpus_per_node": 128,
    "memory_gb_per_node": 1024,
    "storage_tb": "64",
    "interconnect": "InfiniBand HDR 200 Gb/s",
    "billing_unit": "card_hour",
    "price_yuan": "12.00",
    "available_units": 96,
    "state": "online",
    "sla_availability_percent": "99.9",
    "certifications": ["等保三级"],
}


def _field_errors(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


class ProviderAPIView(APIView):
    """Base of the provider views. Who changed what is in RecordVersion (API key and its creator)."""

    authentication_classes = [ProviderApiKeyAuthentication]
    permission_classes = [HasProviderApiKey]
    throttle_scope = "provider"  # the provider interface's own rate budget (settings/security.py)
    model: type
    serializer_class: type
    status_serializer_class: type
    upsert = None  # the service (a staticmethod on subclasses)

    @property
    def provider(self):
        auth = getattr(self.request, "auth", None)  # None while the OpenAPI schema is generated
        return getattr(auth, "provider", None)

    def get_record(self, external_id: str):
        record = selectors.provider_records(model=self.model, provider=self.provider).filter(external_id=external_id)
        record = record.first()
        if record is None:
            raise Http404
        return record

    def respond(self, record, *, http_status=status.HTTP_200_OK, changed: bool | None = None):
        data = self.serializer_class(record, provider=self.provider).data
        if changed is not None:
            data = {**data, "changed": changed}
        return Response(data, status=http_status)


class ProviderRecordList(generics.ListAPIView, ProviderAPIView):
    def get_serializer(self, *args, **kwargs):
        return self.serializer_class(*args, provider=self.provider, **kwargs)

    def get_queryset(self):
        if self.provider is None:  # schema generation
            return self.model.objects.none()
        return selectors.provider_records(model=self.model, provider=self.provider)


class ProviderRecordDetail(ProviderAPIView):
    def get(self, request, external_id: str):
        return self.respond(self.get_record(external_id))

    def put(self, request, external_id: str):
        if self.model is NetworkLine and not self.provider.may_open_lines:
            # a line opens only while its provider is a certified line provider (issue 16 item 2), as on the page
            raise PermissionDenied(_("本单位当前不是已认证的网络线路提供商，不能通过接口开通或修改线路。"))
        serializer = self.serializer_class(data=request.data, provider=self.provider)
        serializer.is_valid(raise_exception=True)
        try:
            change = type(self).upsert(
                provider=self.provider,
                external_id=external_id,
                data=serializer.full_description(),
                actor=request.user,
                api_key=request.auth,
                source=RecordVersion.Source.API,
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from error
        return self.respond(
            change.record,
            http_status=status.HTTP_201_CREATED if change.created else status.HTTP_200_OK,
            changed=change.changed,
        )


class ProviderRecordStatus(ProviderAPIView):
    def patch(self, request, external_id: str):
        record = self.get_record(external_id)
        serializer = self.status_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.record_update_status(
            record=record, changes=serializer.validated_data, actor=request.user, api_key=request.auth
        )
        return self.respond(change.record, changed=change.changed)


def _views(model, serializer, status_serializer, upsert, tag, example):
    """The list, detail (GET/PUT) and status (PATCH) views of one record kind, documented."""
    attrs = {
        "model": model,
        "serializer_class": serializer,
        "status_serializer_class": status_serializer,
        "upsert": staticmethod(upsert),
    }
    name = model.__name__

    # Fresh functions per kind: drf-spectacular annotates the function object itself.
    def list_get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def detail_get(self, request, external_id: str):
        return ProviderRecordDetail.get(self, request, external_id)

    def detail_put(self, request, external_id: str):
        return ProviderRecordDetail.put(self, request, external_id)

    def status_patch(self, request, external_id: str):
        return ProviderRecordStatus.patch(self, request, external_id)

    list_get = extend_schema(
        tags=[tag], operation_id=f"{tag.replace('-', '_')}_list", summary=f"本服务商的{model._meta.verbose_name}列表"
    )(list_get)
    detail_get = extend_schema(tags=[tag], responses={200: serializer, 404: None}, summary="读取一条记录")(detail_get)
    detail_put = extend_schema(
        tags=[tag],
        request=serializer,
        responses={
            200: OpenApiResponse(serializer, description="已更新，或内容相同未产生新版本（changed=false）"),
            201: OpenApiResponse(serializer, description="已创建（待节点审核后上架并发放算力标识）"),
            400: OpenApiResponse(description="字段级错误：{字段: [原因]}"),
            404: OpenApiResponse(description="不存在或不属于本服务商"),
        },
        examples=[
            OpenApiExample("描述", value=example, request_only=True),
            OpenApiExample(
                "字段错误",
                value={"price_yuan": ["请确保该值大于或等于 0。"], "site": ["对象 code=XX 不存在。"]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
        summary="按服务商侧编号创建或整体更新（幂等）",
    )(detail_put)
    status_patch = extend_schema(
        tags=[tag],
        request=status_serializer,
        responses={200: serializer, 400: OpenApiResponse(description="字段级错误"), 404: None},
        summary="更新实时状态（可用数量、价格、运行状态）",
        examples=[OpenApiExample("实时状态", value={"available_units": 40, "state": "online"}, request_only=True)],
    )(status_patch)
    list_view = type(f"{name}ListView", (ProviderRecordList,), {**attrs, "get": list_get})
    detail = type(f"{name}DetailView", (ProviderRecordDetail,), {**attrs, "get": detail_get, "put": detail_put})
    status_view = type(f"{name}StatusView", (ProviderRecordStatus,), {**attrs, "patch": status_patch})
    return list_view, detail, status_view


ResourceListView, ResourceDetailView, ResourceStatusView = _views(
    ComputeResource,
    ComputeResourceSerializer,
    ComputeResourceStatusSerializer,
    services.resource_upsert,
    "provider-resources",
    RESOURCE_EXAMPLE,
)
LineListView, LineDetailView, LineStatusView = _views(
    NetworkLine,
    NetworkLineSerializer,
    NetworkLineStatusSerializer,
    services.line_upsert,
    "provider-lines",
    {
        "name": "成都—天府智算中心 专线 10G",
        "kind": "dedicated_line",
        "from_city": "510100",
        "to_site": 1,
        "bandwidth_mbps": 10000,
        "latency_ms": "0.8",
        "jitter_ms": "0.1",
        "price_yuan_per_month": "38000",
        "state": "online",
    },
)
AppServiceListView, AppServiceDetailView, AppServiceStatusView = _views(
    AppService,
    AppServiceSerializer,
    AppServiceStatusSerializer,
    services.app_service_upsert,
    "provider-app-services",
    {
        "name": "大模型推理服务",
        "kind": "ai_application",
        "price_yuan": "0.012",
        "pricing_unit": "千 tokens",
        "resource_identifiers": ["CN.510000/A00000001R"],
    },
)


@extend_schema(tags=["provider-lines"], summary="本服务商的数据中心站点（可作为线路终点）")
class SiteListView(generics.ListAPIView):
    """The key's own provider's sites only, like every other provider endpoint."""

    authentication_classes = [ProviderApiKeyAuthentication]
    permission_classes = [HasProviderApiKey]
    throttle_scope = "provider"
    serializer_class = SiteSerializer

    def get_queryset(self):
        provider = getattr(self.request.auth, "provider", None)  # None while the OpenAPI schema is generated
        if provider is None:
            return Site.objects.none()
        return Site.objects.filter(provider=provider).select_related("provider__organization", "city").order_by("pk")
