"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path

from infra.node_systems import node_system

from . import views

app_name = "catalog"

urlpatterns = [
    path("catalog/r/<path:code>/", views.record_detail, name="record-detail"),
    # public catalogue browsing (views/browse.py)
    path("catalog/", views.catalogue, name="catalogue"),
    path("catalog/export/<str:fmt>/", views.catalogue_export, name="catalogue-export"),
    path("catalog/providers/", views.provider_directory, name="provider-directory"),
    path("catalog/providers/<int:pk>/", views.provider_detail, name="provider-detail"),
    path("catalog/sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("catalog/lookup/", views.identifier_lookup, name="identifier-lookup"),
    # system D (identifier management): absent on an industry node
    path("catalog/identifiers/", node_system("D", views.identifier_library), name="identifier-library"),
    path("catalog/identifiers/<int:pk>/", node_system("D", views.identifier_detail), name="identifier-detail"),
    path("catalog/provider/api-keys/", views.api_keys, name="api-keys"),
    path("catalog/provider/api-quickstart/", views.api_quickstart, name="api-quickstart"),
    path("catalog/provider/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path("catalog/provider/import/", views.provider_import, name="provider-import"),
    path("catalog/provider/import/confirm/", views.provider_import_confirm, name="provider-import-confirm"),
    path(
        "catalog/provider/import/template/<str:kind>.<str:fmt>",
        views.provider_import_template,
        name="provider-import-template",
    ),
]
