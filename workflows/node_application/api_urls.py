"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import ApplicationViewSet

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")

urlpatterns = router.urls
