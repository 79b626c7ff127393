"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("catalog/r/<path:code>/", views.record_detail, name="record-detail"),
    path("catalog/identifiers/", views.identifier_library, name="identifier-library"),
    path("catalog/identifiers/<int:pk>/", views.identifier_detail, name="identifier-detail"),
    path("catalog/provider/api-keys/", views.api_keys, name="api-keys"),
    path("catalog/provider/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
