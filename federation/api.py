"""Endpoints a national node exposes to downstream nodes (NODE_ROLE=national only)."""

import hmac

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.identifiers import MalformedIdentifier, parse_identifier

from .services import identifier_filing_record


class NodeTokenPermission(permissions.BasePermission):
    """A downstream node presents ``Authorization: Bearer <token>`` from FEDERATION_INBOUND_TOKENS."""

    def has_permission(self, request, view):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise exceptions.NotAuthenticated("Bearer token required")
        if not any(hmac.compare_digest(token, known) for known in settings.FEDERATION_INBOUND_TOKENS):
            raise exceptions.PermissionDenied("unknown node token")
        return True


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


class IdentifierFilingView(APIView):
    """接收下级节点的算力标识备案 (national node: receive identifier filings)."""

    authentication_classes = []
    permission_classes = [NodeTokenPermission]

    def get_authenticate_header(self, request):
        return "Bearer"  # so that a missing token is a 401, not a 403

    def initial(self, request, *args, **kwargs):
        if settings.NODE_ROLE != "national":
            raise Http404
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=["federation"],
        request=IdentifierFilingSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: OpenApiResponse(description="已备案，返回回执"),
            200: OpenApiResponse(description="重复提交：返回首次的回执"),
            400: OpenApiResponse(description="字段级错误"),
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
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise serializers.ValidationError({"Idempotency-Key": ["缺少幂等键请求头。"]})
        serializer = IdentifierFilingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filing, created = identifier_filing_record(payload=request.data, idempotency_key=key[:128])
        return Response(
            {"receipt": f"F{filing.pk:010d}", "identifier": filing.identifier, "received_at": filing.received_at},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
