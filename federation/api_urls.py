"""Federation endpoints (filings and reports received by a national node), under /api/v1/."""

urlpatterns = []
