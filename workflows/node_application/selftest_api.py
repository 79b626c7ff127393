"""The endpoint a new node sends its integration self-test transcript to (signed with the credential it
got by enrolling with the code its application's 对接联调 step issued): attached to that step."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from federation.authentication import NodeAPIView

from .services.integration import SelfTestRefused, selftest_record


class SelfTestStepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=32)
    label = serializers.CharField(max_length=64)
    started_at = serializers.CharField(max_length=40)
    duration_ms = serializers.IntegerField(min_value=0)
    ok = serializers.BooleanField()
    detail = serializers.CharField(allow_blank=True, max_length=2000)
    error = serializers.CharField(allow_blank=True, max_length=2000)


class SelfTestTranscriptSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    ok = serializers.BooleanField()
    steps = SelfTestStepSerializer(many=True, max_length=20)


class IntegrationSelfTestView(NodeAPIView):
    """接收新节点的对接联调自测记录 (the transcript of a new node's integration self-test)."""

    @extend_schema(
        tags=["federation"],
        request=SelfTestTranscriptSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: OpenApiResponse(description="已附在该节点申报的对接联调环节"),
            200: OpenApiResponse(description="重复提交：已收到"),
            404: OpenApiResponse(description="没有与该节点对应的节点申报"),
            409: OpenApiResponse(description="该申报不在对接联调环节"),
        },
    )
    def post(self, request):
        key = self.idempotency_key(request)
        serializer = SelfTestTranscriptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run, created = selftest_record(peer=request.auth, payload=request.data, idempotency_key=key)
        except SelfTestRefused as refused:
            return Response(refused.errors, status=refused.status)
        body = {"application": run.application.reference, "ok": run.ok, "received_at": run.received_at.isoformat()}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
