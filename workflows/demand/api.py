"""Users' compute demands over the standard interface (/api/v1/demands/).

Only the signed-in user's own demands exist here: anyone else's id answers 404. An organisation's key
(a provider's ``Api-Key`` or a buyer's ``Buyer-Key``) acts as its creator. A reseller names a customer
organisation with ``customer_uscc``, only while its 转售调度资格 stands (checked at the moment of the call).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from catalog.api.authentication import ProviderApiKeyAuthentication
from orders.buyer_keys import BuyerApiKeyAuthentication

from . import selectors, services
from .on_behalf import demand_customer_resolve
from .serializers import DemandInputSerializer, DemandListSerializer, DemandSerializer

DEMAND_EXAMPLE = {
    "resource_class": "intelligent",
    "accelerator_model": "NVIDIA A100 80GB (SXM4)",
    "card_count": 64,
    "duration_hours": 720,
    "city": "510100",
    "max_latency_ms": "5",
    "budget_yuan": "800000",
    "note": "大模型微调",
}


@extend_schema_view(
    list=extend_schema(tags=["demands"], summary="我的算力需求 (my compute demands)"),
    retrieve=extend_schema(
        tags=["demands"],
        summary="需求详情：排序的匹配方案及得分说明、调度记录 (demand with ranked matches and scheduling records)",
        responses={200: DemandSerializer},
    ),
    create=extend_schema(
        tags=["demands"],
        summary="提交算力需求并返回排序的匹配方案 (submit a demand; answers with ranked matches)",
        request=DemandInputSerializer,
        responses={201: DemandSerializer},
        examples=[
            OpenApiExample("A100 × 64，成都，30 天", value=DEMAND_EXAMPLE, request_only=True),
            OpenApiExample(
                "转售调度服务商代客户提交",
                value={**DEMAND_EXAMPLE, "customer_uscc": "91510100MA6C000001"},
                request_only=True,
            ),
        ],
    ),
)
class DemandViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    authentication_classes = [ProviderApiKeyAuthentication, BuyerApiKeyAuthentication, SessionAuthentication]

    def get_queryset(self):
        return selectors.demand_list_for_user(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return DemandInputSerializer
        return DemandListSerializer if self.action == "list" else DemandSerializer

    def get_object(self):
        demand = selectors.demand_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        if demand is None:
            raise Http404
        return demand

    def create(self, request, *args, **kwargs):
        serializer = DemandInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            uscc = data.pop("customer_uscc", "")
            if uscc:
                data["customer"] = demand_customer_resolve(user=request.user, uscc=uscc)
            demand = services.demand_submit(user=request.user, data=data)
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            raise serializers.ValidationError(detail) from error
        demand = selectors.demand_get_for_user(user=request.user, pk=demand.pk)
        return Response(DemandSerializer(demand).data, status=status.HTTP_201_CREATED)
