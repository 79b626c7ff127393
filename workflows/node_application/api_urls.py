"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

urlpatterns = []
