"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import HoldViewSet, OrderViewSet
from .usage_api import OrderAccessView, StatementView, UsageRecordViewSet

router = SimpleRouter()
router.register("holds", HoldViewSet, basename="hold")
router.register("orders", OrderViewSet, basename="order")
router.register("usage", UsageRecordViewSet, basename="usage")

urlpatterns = [
    path("orders/<int:pk>/access/", OrderAccessView.as_view(), name="order-access"),
    path("statements/", StatementView.as_view(), name="statements"),
    *router.urls,
]
