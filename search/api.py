"""GET /api/v1/search/resources/ — public compute selection over published resources."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.offers import offer_summary_fields, summaries_for

from .query import MAX_PAGE_SIZE, SORTS, ComputeQuery, QueryError
from .selectors import resource_search
from .serializers import SearchErrorSerializer, SearchResponseSerializer


def _param(name: str, kind, description: str, **extra) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, **extra)


PARAMETERS = [
    _param("q", str, "关键词：名称、型号、厂商、服务商、站点、城市、标识；多个词以空格分隔，须全部包含"),
    _param("resource_class", str, "算力类型", enum=["general", "intelligent", "supercomputing", "edge"]),
    _param("source", str, "来源节点：local 为本节点自有资源，或下级节点前缀（如 CN.510000.C15）"),
    _param("vendor", str, "加速卡厂商，如 NVIDIA、华为"),
    _param("model", str, "加速卡型号（与参考表一致），如 NVIDIA A100 80GB (SXM4)"),
    _param("cpu_architecture", str, "CPU 架构", enum=["x86", "arm", "c86", "loongarch", "riscv", "other"]),
    _param("province", str, "所在省份的 6 位行政区划代码，如 510000"),
    _param("city", str, "所在城市的 6 位行政区划代码，如 510100"),
    _param("min_cards", int, "加速卡总数（张）下限：每节点卡数 × 节点数"),
    _param("min_fp16", OpenApiTypes.DECIMAL, "每卡 FP16 稠密峰值（TFLOPS）下限"),
    _param("min_fp32", OpenApiTypes.DECIMAL, "每卡 FP32 峰值（TFLOPS）下限"),
    _param("min_fp64", OpenApiTypes.DECIMAL, "每卡 FP64 峰值（TFLOPS）下限"),
    _param("min_memory_gb", int, "每卡显存（GB）下限"),
    _param("max_price", OpenApiTypes.DECIMAL, "单价上限（元/计费单位）"),
    _param(
        "min_reliability",
        OpenApiTypes.DECIMAL,
        "可靠性下限（%，0–100）：本节点监测的近 30 天在线率减非计划离线扣分（监测不足时按承诺 SLA）；"
        "可靠性未知的资源不满足；与 sort=price 合用即“可靠性达标者按价格排序”",
    ),
    _param("price_band", str, "价格区间（元/计费单位）：0-5、5-10、10-20、20-50 或 50-（50 元及以上）"),
    _param("available_now", bool, "只看在线且有可用数量的资源（1/0）"),
    _param("certified_only", bool, "只看有认证（如等保三级）的资源（1/0）"),
    _param("resale", bool, "只看当前有转售报价的资源（1/0）：转售调度服务商资格有效、报价在有效期内"),
    _param("user_city", str, "用户所在城市的 6 位行政区划代码：为每个资源给出从该城市出发的最佳专线"),
    _param("max_latency_ms", OpenApiTypes.DECIMAL, "最佳专线时延上限（毫秒；需 user_city）"),
    _param("min_bandwidth_mbps", int, "最佳专线带宽下限（Mbps；需 user_city）"),
    _param(
        "sort",
        str,
        "排序：price 价格升序，-price 价格降序，price_performance_fp16/fp32/fp64 性价比（元/PFLOPS·时）升序，"
        "available 可用数量降序，reliability 可靠性降序（未知在后），"
        "latency 专线时延升序（需 user_city）；相同时按 id 升序",
        enum=list(SORTS),
        default="price",
    ),
    _param("page", int, "页码，从 1 开始", default=1),
    _param("page_size", int, f"每页条数，1–{MAX_PAGE_SIZE}", default=20),
]


class ResourceSearchView(APIView):
    """算力选择：检索已上架的算力资源 (search published compute resources).

    公开接口。返回当前页的资源（含标识、服务商、站点、规格、价格、实时状态、最佳专线、转售报价摘要）、总数与分面计数。
    Public. One page of hits with identifier, provider, site, specs, price, live state, best line and
    the summary of its live resale offers (one query for the page), the total count, and facet counts.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["search"],
        operation_id="resource_search",
        parameters=PARAMETERS,
        responses={
            200: SearchResponseSerializer,
            400: OpenApiResponse(SearchErrorSerializer, description="参数错误：参数名 → 错误说明"),
        },
        examples=[
            OpenApiExample(
                "参数错误",
                response_only=True,
                status_codes=["400"],
                value={"min_fp16": ["请填写数字。"], "sort": ["不支持的排序方式“fastest”。"]},
            )
        ],
    )
    def get(self, request):
        try:
            query = ComputeQuery.from_params(request.query_params)
        except QueryError as error:
            raise serializers.ValidationError(error.errors) from error
        result = resource_search(query=query)
        hits = [
            {**hit, "resale_offers": offer_summary_fields(summary, hit["billing_unit"])}
            for hit, summary in zip(
                result.results, summaries_for(result.results), strict=True
            )  # one query for the page
        ]
        return Response(
            {
                "count": result.count,
                "page": result.page,
                "page_size": result.page_size,
                "num_pages": result.num_pages,
                "results": hits,
                "facets": result.facets,
            }
        )
