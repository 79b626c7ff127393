"""Endpoints an upstream node (national, or regional for its industry nodes) exposes to the nodes below it:
enrolment (one-time code), identifier filings, their acknowledgement status and their state changes.
Everything but enrolment is a signed request (authentication.py) bound to the node's prefix."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.identifiers import MalformedIdentifier, parse_identifier

from .authentication import NodeAPIView
from .filings import FilingRefused, filing_receive, filing_state_receive, filing_status
from .node_key import node_key
from .registry import EnrolmentRefused, enrolment_accept
from .selectors import node_prefix


class EnrolSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    role = serializers.ChoiceField(choices=["regional", "industry"])
    name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    public_key = serializers.CharField(max_length=256)
    algorithm = serializers.CharField(max_length=16)


class EnrolView(APIView):
    """节点接入 (enrol a node below this one with a one-time code; returns its prefix and key id)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        if settings.NODE_ROLE not in ("national", "regional"):
            raise Http404
        super().initial(request, *args, **kwargs)

    @extend_schema(tags=["federation"], request=EnrolSerializer, responses={201: dict, 400: dict})
    def post(self, request):
        serializer = EnrolSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            peer, key = enrolment_accept(
                code=data["code"],
                role=data["role"],
                url=data.get("url", ""),
                public_key=data["public_key"],
                algorithm=data["algorithm"],
            )
        except EnrolmentRefused as refused:
            raise serializers.ValidationError(refused.errors) from refused
        own = node_key()
        return Response(
            {
                "prefix": peer.prefix,
                "role": peer.role,
                "name": peer.name,
                "key_id": key.key_id,
                "upstream": {
                    "prefix": node_prefix(),
                    "role": settings.NODE_ROLE,
                    "name": settings.NODE_NAME,
                    # the key this node signs its lookups down with (node_key.py): the new node verifies them
                    "key_id": own.key_id,
                    "algorithm": own.algorithm,
                    "public_key": own.public_key,
                },
            },
            status=status.HTTP_201_CREATED,
        )


class IdentifierFilingSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=64)
    node_prefix = serializers.CharField(max_length=40)
    class_code = serializers.CharField(max_length=1)
    name = serializers.CharField(max_length=128)
    provider = serializers.CharField(max_length=128)
    provider_uscc = serializers.CharField(max_length=18)
    division_code = serializers.CharField(max_length=6)
    issued_at = serializers.DateTimeField()

    def validate(self, attrs):
        try:
            parsed = parse_identifier(attrs["identifier"])
        except MalformedIdentifier as error:
            raise serializers.ValidationError({"identifier": [str(error.reason)]}) from error
        if parsed.prefix != attrs["node_prefix"]:
            raise serializers.ValidationError({"node_prefix": ["与算力标识的节点前缀不一致。"]})
        return attrs


def _refused(error: FilingRefused) -> Response:
    return Response(error.errors, status=error.status)


class IdentifierFilingView(NodeAPIView):
    """接收下级节点的算力标识备案 (receive identifier filings; a regional node relays them upward)."""

    @extend_schema(
        tags=["federation"],
        request=IdentifierFilingSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: OpenApiResponse(description="已备案（国家节点）或已受理并转报（区域节点），返回回执"),
            200: OpenApiResponse(description="重复提交：返回首次的回执"),
            400: OpenApiResponse(description="字段级错误"),
            401: OpenApiResponse(description="未签名、签名错误、时间戳超窗或重放"),
            403: OpenApiResponse(description="前缀不属于该节点，或凭据已吊销"),
            409: OpenApiResponse(description="幂等键已用于内容不同的备案"),
        },
        examples=[
            OpenApiExample(
                "备案",
                request_only=True,
                value={
                    "identifier": "CN.510000/A00000001R",
                    "node_prefix": "CN.510000",
                    "class_code": "A",
                    "name": "A100 智算集群（成都）",
                    "provider": "四川天府算力科技有限公司（示例）",
                    "provider_uscc": "91510100MA61TF01XX",
                    "division_code": "510100",
                    "issued_at": "2026-03-02T10:00:00+08:00",
                },
            )
        ],
    )
    def post(self, request):
        key = self.idempotency_key(request)
        serializer = IdentifierFilingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            answer, created = filing_receive(peer=request.auth, payload=request.data, idempotency_key=key)
        except FilingRefused as refused:
            return _refused(refused)
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FilingStatusSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=64)


class FilingStatusView(NodeAPIView):
    """查询备案是否已获国家节点确认 (has the national node acknowledged this filing?)."""

    @extend_schema(tags=["federation"], request=FilingStatusSerializer, responses={200: dict, 404: dict})
    def post(self, request):
        serializer = FilingStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer = filing_status(peer=request.auth, identifier=serializer.validated_data["identifier"])
        if answer is None:
            return Response({"identifier": ["没有该节点的这个备案。"]}, status=status.HTTP_404_NOT_FOUND)
        return Response(answer)


class FilingStateSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=64)
    node_prefix = serializers.CharField(max_length=40)
    state = serializers.CharField(max_length=16, help_text="active / suspended / revoked")
    changed_at = serializers.DateTimeField()

    def validate_state(self, value):
        if value not in ("active", "suspended", "revoked"):
            raise serializers.ValidationError("状态应为 active、suspended 或 revoked。")
        return value


class FilingStateView(NodeAPIView):
    """接收算力标识的暂停、恢复、注销 (state changes of filed identifiers, relayed upward)."""

    @extend_schema(
        tags=["federation"],
        request=FilingStateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={200: dict, 404: dict, 409: dict},
    )
    def post(self, request):
        key = self.idempotency_key(request)
        serializer = FilingStateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            answer = filing_state_receive(peer=request.auth, payload=request.data, idempotency_key=key)
        except FilingRefused as refused:
            return _refused(refused)
        return Response(answer)


class NetworkPositionView(APIView):
    """本节点在 1+M+N 网络中的位置 (public: role, prefix, the upstream node and the nodes enrolled below; what
    the home page says, for a node below that needs its upstream's upstream, e.g. the national node's URL)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(tags=["federation"], responses={200: dict})
    def get(self, request):
        from .selectors import network_position

        return Response(network_position())
