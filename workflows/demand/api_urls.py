"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import DemandViewSet

router = SimpleRouter()
router.register("demands", DemandViewSet, basename="demand")

urlpatterns = router.urls
