"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ApplicationViewSet
from .publicity_api import PublicityList
from .selftest_api import IntegrationSelfTestView

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")

urlpatterns = [
    # before the router: "integration-selftest" would otherwise read as an application reference
    path(
        "applications/integration-selftest/",
        IntegrationSelfTestView.as_view(),
        name="application-integration-selftest",
    ),
    path("publicity/", PublicityList.as_view(), name="publicity"),
    *router.urls,
]
