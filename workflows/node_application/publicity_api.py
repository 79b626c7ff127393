"""GET /api/v1/publicity/ — the public 公示 list as a read API, beside the catalogue's (/api/v1/catalog/…):
the same entries as the /publicity/ pages (``publicity`` decides what is public), anonymous, paginated
(limit/offset), rate-limited by DRF's default throttles. ``?tab=results`` for 公示结果, ``?campaign=<slug>``."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.pagination import LimitOffsetPagination

from . import publicity


class PublicityEntryOut(serializers.Serializer):
    reference = serializers.CharField(help_text="申报编号")
    title = serializers.CharField(help_text="节点名称")
    node_type = serializers.CharField(help_text="regional | industry")
    campaign = serializers.CharField(source="campaign.slug", help_text="申报批次代码")
    applicants = serializers.SerializerMethodField(help_text="申报单位（牵头单位在前）")
    area = serializers.SerializerMethodField(help_text="区域或行业")
    review_result = serializers.SerializerMethodField(help_text="评审结果")
    starts_at = serializers.DateTimeField(source="publicity_starts_at", help_text="公示开始")
    ends_at = serializers.DateTimeField(source="publicity_ends_at", help_text="公示截止")
    accepts_objections = serializers.SerializerMethodField(help_text="公示期内，可提出异议")
    outcome = serializers.SerializerMethodField(help_text="状态或公示结果")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="审定时间")
    objections_received = serializers.IntegerField(source="objection_count")
    objections_upheld = serializers.IntegerField(source="upheld_count", help_text="成立或部分成立")

    def get_applicants(self, application) -> list[str]:
        return publicity.applicant_names(application)

    def get_area(self, application) -> str:
        return publicity.area(application)

    def get_review_result(self, application) -> str:
        return str(publicity.REVIEW_RESULT)

    def get_accepts_objections(self, application) -> bool:
        return publicity.accepts_objections(application, now=self.context["now"])

    def get_outcome(self, application) -> str:
        return publicity.outcome_label(application, now=self.context["now"])


class PublicityPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


@extend_schema(
    tags=["node-application"],
    summary="节点公示名单与公示结果 (nodes under publicity, and publicity results)",
    parameters=[
        OpenApiParameter("tab", OpenApiTypes.STR, enum=[publicity.CURRENT, publicity.RESULTS]),
        OpenApiParameter("campaign", OpenApiTypes.STR, description="申报批次代码 (campaign slug)"),
    ],
)
class PublicityList(generics.ListAPIView):
    serializer_class = PublicityEntryOut
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    pagination_class = PublicityPagination

    def get_queryset(self):
        tab = publicity.RESULTS if self.request.query_params.get("tab") == publicity.RESULTS else publicity.CURRENT
        return publicity.publicity_list(tab=tab, campaign=self.request.query_params.get("campaign", ""))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}
