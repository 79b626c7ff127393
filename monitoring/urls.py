"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import include, path

from portal.node_systems import node_system

from . import dashboards, views

app_name = "monitoring"

security_patterns = [
    path("", views.security_dashboard, name="security"),
    path("unlock/", views.login_unlock, name="login-unlock"),
    path("audit/", views.audit_log, name="audit-log"),
    path("otp/", views.second_factor_setup, name="otp-setup"),
    path("otp/verify/", views.second_factor_verify, name="otp-verify"),
]

# system E (monitoring dashboards): absent on an industry node, which reports upward instead
metrics_patterns = [
    path("", node_system("E", dashboards.metrics_dashboard), name="metrics"),
    path("headline/", node_system("E", dashboards.metrics_headline), name="metrics-headline"),
    path("charts/<slug:chart_id>/", node_system("E", dashboards.metrics_chart), name="metrics-chart"),
    path("charts/<slug:chart_id>/drill/", node_system("E", dashboards.metrics_drill), name="metrics-drill"),
    path("national/", node_system("E", dashboards.national_reports), name="national-reports"),
]

urlpatterns = [
    path("security/", include(security_patterns)),
    path("monitoring/", include(metrics_patterns)),
]
