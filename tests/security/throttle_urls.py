"""A provider-API-like endpoint for the throttling tests (throttle_scope = "provider")."""

from django.urls import path
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.urls import urlpatterns as portal_urlpatterns


class ProviderPing(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "provider"

    def get(self, request):
        return Response({"ok": True})


class KeyOnly(APIView):
    """Credentials in a header, as the provider API takes its key."""

    authentication_classes = [BasicAuthentication]

    def get(self, request):
        return Response({"ok": True})


class Nobody(BasePermission):
    def has_permission(self, request, view):
        return False


class Forbidden(APIView):
    permission_classes = [Nobody]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/provider/ping/", ProviderPing.as_view()),
    path("api/v1/provider/key-only/", KeyOnly.as_view()),
    path("api/v1/provider/forbidden/", Forbidden.as_view()),
    *portal_urlpatterns,
]
