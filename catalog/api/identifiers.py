"""GET /api/v1/identifiers/<identifier>/ — public, DNS-like resolution of compute identifiers."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from federation.authentication import OptionalNodeSignatureAuthentication

from ..resolution import identifier_resolve


class IdentifierResolutionSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text="算力标识")
    state = serializers.CharField(help_text="标识状态 issued / filed / active / suspended / revoked")
    node_prefix = serializers.CharField(help_text="发放节点前缀")
    class_code = serializers.CharField(help_text="类别：G 通用 A 智能 H 超算 E 边缘 L 线路 P 应用服务")
    kind = serializers.CharField(help_text="compute_resource / network_line / app_service")
    name = serializers.CharField()
    provider = serializers.CharField(help_text="服务商名称")
    division_code = serializers.CharField(help_text="所在地 GB/T 2260 代码")
    record_state = serializers.CharField(help_text="运行状态 online/maintenance/offline")
    issued_at = serializers.DateTimeField()
    filed_at = serializers.DateTimeField(allow_null=True)
    access_path = serializers.CharField(allow_null=True, help_text="公开详情页路径；暂停、注销或未上架时为空")
    access_url = serializers.URLField(allow_null=True, required=False, help_text="所属节点公开详情页的绝对地址")
    api_url = serializers.URLField(required=False, help_text="所属节点解析接口的绝对地址")
    authoritative = serializers.BooleanField(required=False, help_text="是否由所属节点本身作答")
    node_unavailable = serializers.BooleanField(required=False, help_text="所属节点不可达，答复来自备案")
    details = serializers.DictField(help_text="基本参数（单位见字段名）")
    resolved_by = serializers.CharField(help_text="作答节点前缀")
    cached = serializers.BooleanField(required=False, help_text="经上级节点解析时：是否来自缓存")


class IdentifierErrorSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    error = serializers.CharField(required=False, help_text="structure / prefix / checksum / class / ...")
    detail = serializers.CharField()


class IdentifierResolveView(APIView):
    """解析算力标识 (resolve a compute identifier).

    本节点的标识在本地解析；其他节点前缀的标识转发上级节点解析并缓存。
    Identifiers of this node resolve locally; other prefixes are forwarded upstream and cached.
    """

    permission_classes = [permissions.AllowAny]
    # an enrolled node below asking is authenticated by its signature (and not rate-limited as anonymous)
    authentication_classes = [OptionalNodeSignatureAuthentication]

    @extend_schema(
        tags=["identifiers"],
        operation_id="identifier_resolve",
        parameters=[
            OpenApiParameter("identifier", str, OpenApiParameter.PATH, description="算力标识，如 CN.510000/A00000001R")
        ],
        responses={
            200: IdentifierResolutionSerializer,
            400: OpenApiResponse(IdentifierErrorSerializer, description="格式错误（原因见 error / detail）"),
            404: OpenApiResponse(IdentifierErrorSerializer, description="未知标识"),
            502: OpenApiResponse(IdentifierErrorSerializer, description="上级节点不可达"),
        },
        examples=[
            OpenApiExample(
                "智能算力资源",
                response_only=True,
                status_codes=["200"],
                value={
                    "identifier": "CN.510000/A00000001R",
                    "state": "active",
                    "node_prefix": "CN.510000",
                    "class_code": "A",
                    "kind": "compute_resource",
                    "name": "NVIDIA A100 80GB 智算集群（成都市）",
                    "provider": "四川天府算力科技有限公司（示例）",
                    "division_code": "510100",
                    "record_state": "online",
                    "issued_at": "2026-03-02T10:00:00+08:00",
                    "filed_at": "2026-03-02T10:05:00+08:00",
                    "access_path": "/catalog/r/CN.510000/A00000001R/",
                    "details": {"accelerator_model": "NVIDIA A100 80GB (SXM4)", "price_yuan": "12"},
                    "resolved_by": "CN.510000",
                },
            ),
            OpenApiExample(
                "校验码错误",
                response_only=True,
                status_codes=["400"],
                value={
                    "identifier": "CN.510000/A00000001X",
                    "error": "checksum",
                    "detail": "算力标识校验码不正确，请核对是否有输错的字符。",
                },
            ),
        ],
    )
    def get(self, request, identifier: str):
        resolution = identifier_resolve(code=identifier)
        return Response(resolution.body, status=resolution.status)
