"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import DemandViewSet
from .network_outcome import HoldOutcomeView

router = SimpleRouter()
router.register("demands", DemandViewSet, basename="demand")

urlpatterns = [
    *router.urls,
    # from the nodes below: the outcome of a hold placed there (orders.remote sends it)
    path("network/holds/outcome/", HoldOutcomeView.as_view(), name="network-hold-outcome"),
]
