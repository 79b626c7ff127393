"""OpenAPI documentation of the catalogue read API (drf-spectacular): operations, conditional-request
headers and realistic examples from the demo catalogue."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="上次响应的 ETag：内容未变时返回 304，不含正文",
)
IF_MODIFIED_SINCE = OpenApiParameter(
    "If-Modified-Since",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="HTTP 日期（详情接口按记录更新时间判断）",
)
NOT_MODIFIED = OpenApiResponse(description="未变化（If-None-Match / If-Modified-Since）")

RESOURCE_EXAMPLE = {
    "identifier": "CN.510000/A000000011",
    "name": "天府智算 A800 训练集群",
    "description": "",
    "provider": {"id": 1, "name": "四川天府算力科技有限公司"},
    "state": {"value": "online", "label": {"zh": "在线", "en": "Online"}},
    "version": 3,
    "updated_at": "2026-03-02T10:15:00+08:00",
    "html_url": "/catalog/r/CN.510000/A000000011/",
    "resource_class": {"value": "intelligent", "label": {"zh": "智能算力", "en": "Intelligent computing"}},
    "site": {"id": 2, "name": "成都天府数据中心", "city": {"code": "510100", "name": "成都市"}},
    "province_code": "510000",
    "city_code": "510100",
    "accelerator_vendor": "NVIDIA",
    "accelerator_model": "NVIDIA A800 80GB (SXM4)",
    "accelerators_per_node": 8,
    "node_count": 16,
    "total_cards": 128,
    "cpu_architecture": {"value": "x86", "label": {"zh": "x86", "en": "x86"}},
    "vcpus_per_node": 128,
    "memory_gb_per_node": 1024,
    "accelerator_memory_gb": 80,
    "storage_tb": "200.00",
    "fp64_tflops_per_card": "9.70",
    "fp32_tflops_per_card": "19.50",
    "fp16_tflops_per_card": "312.00",
    "int8_tops_per_card": "624.00",
    "interconnect": "NVLink + 200G InfiniBand",
    "billing_unit": {"value": "card_hour", "label": {"zh": "元/卡·时", "en": "CNY per card-hour"}},
    "price_yuan": "9.80",
    "available_units": 40,
    "sla_availability_percent": "99.900",
    "certifications": ["等保三级"],
}
EXAMPLES = {"resources": RESOURCE_EXAMPLE}
SUMMARIES = {  # (list, detail)
    "providers": ("服务商名录 · provider directory", "一个服务商 · one provider"),
    "sites": ("数据中心站点 · data-centre sites", "一个站点 · one site"),
    "resources": ("已上架的算力资源 · compute resources", "按算力标识取一个资源 · one resource by identifier"),
    "lines": ("已上架的网络线路 · network lines", "按算力标识取一条线路 · one line by identifier"),
    "app_services": ("已上架的应用服务 · app services", "按算力标识取一个应用服务 · one app service by identifier"),
}
PATH_KEYS = {
    "id": OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id"),
    "identifier": OpenApiParameter(
        "identifier",
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        description="算力标识，如 CN.510000/A000000011（暂停、注销的标识为 404）",
    ),
}


def list_schema(name: str, serializer, *, filterset=None):
    examples = []
    if name in EXAMPLES:
        examples.append(OpenApiExample(f"{name} 列表中的一项", value=EXAMPLES[name], response_only=True))
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"catalog_{name}_list",
            summary=SUMMARIES[name][0],
            tags=["catalog"],
            parameters=[IF_NONE_MATCH],
            responses={
                200: serializer(many=True),
                304: NOT_MODIFIED,
                400: OpenApiResponse(description="参数错误：参数名 → 错误说明列表"),
            },
            examples=examples,
        )
    )


def detail_schema(name: str, serializer, *, key: str = "identifier"):
    examples = []
    if name in EXAMPLES:
        examples.append(OpenApiExample(name, value=EXAMPLES[name], response_only=True, status_codes=["200"]))
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"catalog_{name}_retrieve",
            summary=SUMMARIES[name][1],
            tags=["catalog"],
            parameters=[PATH_KEYS[key], IF_NONE_MATCH, IF_MODIFIED_SINCE],
            responses={200: serializer, 304: NOT_MODIFIED, 404: ErrorOut},
            examples=examples,
        )
    )
