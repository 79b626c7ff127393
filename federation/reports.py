"""National node: receive the daily operation reports of downstream nodes (system E, flows 7–10).

Same contract as the filing endpoint (federation/api.py): ``Authorization: Bearer <token>`` from
FEDERATION_INBOUND_TOKENS and an ``Idempotency-Key`` header; 404 on a node that is not national.
The format is documented in monitoring/reports.py.
"""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.reports import ReportRejected, report_receive

from .api import NodeTokenPermission


class OperationReportView(APIView):
    """接收下级节点的每日运行监测报告 (national node: receive daily operation reports)."""

    authentication_classes = []
    permission_classes = [NodeTokenPermission]

    def get_authenticate_header(self, request):
        return "Bearer"

    def initial(self, request, *args, **kwargs):
        if settings.NODE_ROLE != "national":
            raise Http404
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=["federation"],
        request=dict,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: OpenApiResponse(description="已接收（或替换同日的旧报告）"),
            200: OpenApiResponse(description="重复送达：返回首次的回执，不作改动"),
            400: OpenApiResponse(description="字段级错误"),
        },
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise serializers.ValidationError({"Idempotency-Key": ["缺少幂等键请求头。"]})
        try:
            report, outcome = report_receive(payload=request.data, idempotency_key=key[:128])
        except ReportRejected as rejected:
            raise serializers.ValidationError(rejected.errors) from rejected
        return Response(
            {
                "receipt": f"R{report.pk:010d}",
                "node_prefix": report.node_prefix,
                "date": report.report_date.isoformat(),
                "outcome": outcome,
            },
            status=status.HTTP_200_OK if outcome == "duplicate" else status.HTTP_201_CREATED,
        )
