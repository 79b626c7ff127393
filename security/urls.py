"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import include, path

from . import views

app_name = "security"

security_patterns = [
    path("", views.security_dashboard, name="security"),
    path("unlock/", views.login_unlock, name="login-unlock"),
    path("audit/", views.audit_log, name="audit-log"),
    path("otp/", views.second_factor_setup, name="otp-setup"),
    path("otp/verify/", views.second_factor_verify, name="otp-verify"),
]

urlpatterns = [
    path("security/", include(security_patterns)),
]
