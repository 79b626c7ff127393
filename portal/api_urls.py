"""The standard interface, version 1: every app's endpoints gathered under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from organizations import api as organizations_api

router = DefaultRouter()
router.register("divisions", organizations_api.DivisionViewSet, basename="division")
router.register("industries", organizations_api.IndustryCategoryViewSet, basename="industry")

urlpatterns = [
    path("me/", organizations_api.MeView.as_view(), name="me"),
    path("uscc/check/", organizations_api.USCCCheckView.as_view(), name="uscc-check"),
    path("", include(router.urls)),
    path("", include("catalog.api_urls")),
    path("", include("search.api_urls")),
    path("", include("workflows.node_application.api_urls")),
    path("", include("workflows.onboarding.api_urls")),
    path("", include("workflows.demand.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("monitoring.api_urls")),
    path("", include("federation.api_urls")),
]
