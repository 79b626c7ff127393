"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import HoldViewSet, OrderViewSet

router = SimpleRouter()
router.register("holds", HoldViewSet, basename="hold")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
