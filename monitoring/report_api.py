"""Receive the daily operation reports of the nodes below (system E, flows 7–10): a national node from its
regional nodes, a regional node from its industry nodes. The endpoint stays under /api/v1/federation/.

Signed requests (federation/authentication.py) with an ``Idempotency-Key`` header; the report must be the
sending node's own (``node.prefix`` equal to its enrolled prefix, else 403). Keys are scoped per node: the
same key from another node is another report; the same key again with a different body is a 409. 404 on
an industry node. The format is documented in monitoring/reports.py.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from federation.authentication import NodeAPIView

from .reports import ReportRejected, report_receive


class OperationReportView(NodeAPIView):
    """接收下级节点的每日运行监测报告 (receive daily operation reports from the nodes below)."""

    @extend_schema(
        tags=["federation"],
        request=dict,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: OpenApiResponse(description="已接收（或替换同日的旧报告）"),
            200: OpenApiResponse(description="重复送达：返回首次的回执，不作改动"),
            400: OpenApiResponse(description="字段级错误"),
            403: OpenApiResponse(description="报告不是本节点的"),
            409: OpenApiResponse(description="幂等键已用于内容不同的报告"),
        },
    )
    def post(self, request):
        peer = request.auth
        key = self.idempotency_key(request)
        node = request.data.get("node") if isinstance(request.data, dict) else None
        prefix = node.get("prefix") if isinstance(node, dict) else None
        if prefix is not None and prefix != peer.prefix:
            return Response(
                {"node.prefix": [f"节点 {peer.prefix} 不能报送其他节点（{prefix}）的报告。"]},
                status=status.HTTP_403_FORBIDDEN,
            )
        try:
            report, outcome = report_receive(payload=request.data, idempotency_key=f"{peer.prefix}|{key}"[:128])
        except ReportRejected as rejected:
            raise serializers.ValidationError(rejected.errors) from rejected
        if outcome == "duplicate" and report.payload != request.data:
            return Response({"Idempotency-Key": ["该幂等键已用于内容不同的报告。"]}, status=status.HTTP_409_CONFLICT)
        return Response(
            {
                "receipt": f"R{report.pk:010d}",
                "node_prefix": report.node_prefix,
                "date": report.report_date.isoformat(),
                "outcome": outcome,
            },
            status=status.HTTP_200_OK if outcome == "duplicate" else status.HTTP_201_CREATED,
        )
