"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import DemandViewSet
from .holds_api import DemandAcceptView, HoldConfirmView, HoldDeclineView
from .network_outcome import HoldOutcomeView

router = SimpleRouter()
router.register("demands", DemandViewSet, basename="demand")

urlpatterns = [
    *router.urls,
    # writing holds: the buyer accepts a plan, the provider confirms or declines its part
    path("demands/<int:pk>/accept/", DemandAcceptView.as_view(), name="demand-accept"),
    path("holds/<int:pk>/confirm/", HoldConfirmView.as_view(), name="hold-confirm"),
    path("holds/<int:pk>/decline/", HoldDeclineView.as_view(), name="hold-decline"),
    # from the nodes below: the outcome of a hold placed there (orders.remote sends it)
    path("network/holds/outcome/", HoldOutcomeView.as_view(), name="network-hold-outcome"),
]
