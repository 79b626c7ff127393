"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import HoldViewSet, OrderViewSet
from .remote_api import NetworkHoldView, NetworkHoldWithdrawView

router = SimpleRouter()
router.register("holds", HoldViewSet, basename="hold")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    *router.urls,
    # cross-node holds: requests from this node's upstream node (orders.remote)
    path("network/holds/", NetworkHoldView.as_view(), name="network-hold"),
    path("network/holds/<str:request_key>/withdraw/", NetworkHoldWithdrawView.as_view(), name="network-hold-withdraw"),
]
