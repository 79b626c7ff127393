"""Reference data and account endpoints of the standard interface (/api/v1/)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import IndustryCategory
from .serializers import (
    DivisionSerializer,
    IndustryCategorySerializer,
    MeSerializer,
    USCCCheckResultSerializer,
    USCCCheckSerializer,
)
from .uscc import normalize_uscc, uscc_warnings, validate_uscc


@extend_schema(
    tags=["reference"],
    parameters=[
        OpenApiParameter("level", str, enum=["province", "city"], description="省级 / 地级"),
        OpenApiParameter("parent", str, description="上级区划代码 / parent division code, e.g. 510000"),
    ],
)
class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 行政区划 (administrative divisions)."""

    serializer_class = DivisionSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    lookup_field = "code"

    def get_queryset(self):
        return selectors.division_list(
            level=self.request.query_params.get("level"), parent=self.request.query_params.get("parent")
        )


@extend_schema(tags=["reference"])
class IndustryCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 4754-2017 工业行业中类 (the 207 industrial mid-categories an industry node is named from)."""

    queryset = IndustryCategory.objects.all()
    serializer_class = IndustryCategorySerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    lookup_field = "code"


class MeView(APIView):
    """当前用户、角色与所属单位 (the signed-in user, roles and affiliation)."""

    @extend_schema(tags=["accounts"], responses=MeSerializer)
    def get(self, request):
        user = request.user
        affiliation = None
        if user.organization_id:
            affiliation = {"kind": "organization", "id": user.organization_id, "name": user.organization.name}
        elif user.authority_id:
            affiliation = {"kind": "authority", "id": user.authority_id, "name": user.authority.name}
        data = {
            "username": user.username,
            "full_name": user.full_name,
            "email": user.email,
            "roles": [role.value for role in selectors.user_roles(user=user)],
            "affiliation": affiliation,
        }
        return Response(MeSerializer(data).data)


class USCCCheckView(APIView):
    """校验统一社会信用代码 (check a unified social credit code, GB 32100-2015)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["reference"],
        request=USCCCheckSerializer,
        responses=USCCCheckResultSerializer,
        examples=[OpenApiExample("BYD", value={"code": "91440300192317458F"}, request_only=True)],
    )
    def post(self, request):
        serializer = USCCCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = normalize_uscc(serializer.validated_data["code"])
        try:
            validate_uscc(code)
        except ValidationError as error:
            return Response({"code": code, "valid": False, "errors": error.messages, "warnings": []})
        return Response({"code": code, "valid": True, "errors": [], "warnings": uscc_warnings(code)})
