"""Endpoints this node offers its upstream node (signed by the upstream: federation.downlink): hold one of
this node's resources for a buyer at the upstream node, and withdraw that request. A node without an
upstream answers 404; a request signed by any other node is refused (403)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from federation.downlink import UpstreamAPIView

from .remote import RequestRefused, network_hold_request, network_hold_withdraw


class NetworkHoldRequestSerializer(serializers.Serializer):
    request_key = serializers.RegexField(r"^[0-9a-f]{16,64}$")
    reference = serializers.CharField(max_length=64)
    identifier = serializers.CharField(max_length=64)
    cards = serializers.IntegerField(min_value=1, max_value=10_000)
    hours = serializers.IntegerField(min_value=1, max_value=24 * 366)
    unit_price_yuan = serializers.DecimalField(max_digits=12, decimal_places=2)
    buyer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class NetworkHoldView(UpstreamAPIView):
    """上级节点为其需求方预留本节点的算力资源 (hold this node's resource for a buyer at the upstream node)."""

    @extend_schema(
        tags=["federation"],
        request=NetworkHoldRequestSerializer,
        responses={
            201: OpenApiResponse(description="已预留，待本节点服务商确认"),
            200: OpenApiResponse(description="同一请求键的重复请求：返回首次结果"),
            403: OpenApiResponse(description="不是本节点的上级节点"),
            404: OpenApiResponse(description="本节点（及其下级节点的目录）没有该在线上架的资源"),
            409: OpenApiResponse(description="余量不足或价格已变化"),
            502: OpenApiResponse(description="资源属于下级节点，该节点暂时无法连接（转发失败）"),
        },
    )
    def post(self, request):
        serializer = NetworkHoldRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            answer, created = network_hold_request(link=request.auth, data=serializer.validated_data)
        except RequestRefused as refused:
            return Response(refused.errors, status=refused.status)
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class NetworkHoldWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class NetworkHoldWithdrawView(UpstreamAPIView):
    """上级节点撤销预留请求 (the upstream node withdraws its request; the cards go back)."""

    @extend_schema(tags=["federation"], request=NetworkHoldWithdrawSerializer, responses={200: dict, 404: dict})
    def post(self, request, request_key: str):
        serializer = NetworkHoldWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            answer = network_hold_withdraw(
                link=request.auth, request_key=request_key, reason=serializer.validated_data["reason"]
            )
        except RequestRefused as refused:
            return Response(refused.errors, status=refused.status)
        return Response(answer)
