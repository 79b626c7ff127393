"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import include, path

from infra.node_systems import node_system

from . import dashboards, supervision

app_name = "monitoring"

# system E (monitoring dashboards): absent on an industry node, which reports upward instead
metrics_patterns = [
    path("", node_system("E", dashboards.metrics_dashboard), name="metrics"),
    path("headline/", node_system("E", dashboards.metrics_headline), name="metrics-headline"),
    path("charts/<slug:chart_id>/", node_system("E", dashboards.metrics_chart), name="metrics-chart"),
    path("charts/<slug:chart_id>/drill/", node_system("E", dashboards.metrics_drill), name="metrics-drill"),
    path("national/", node_system("E", dashboards.national_reports), name="national-reports"),
    # 属地监管: the communications administration's view of the industry nodes in its jurisdiction
    path("supervision/", node_system("E", supervision.supervision_list), name="supervision"),
    path("supervision/<str:prefix>/", node_system("E", supervision.supervision_node), name="supervision-node"),
]

urlpatterns = [
    path("monitoring/", include(metrics_patterns)),
]
