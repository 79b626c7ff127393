"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path

from . import compare, views

app_name = "search"

urlpatterns = [
    path("select/", views.selection, name="selection"),
    path("select/export.csv", views.selection_export, name="selection-export"),
    path("select/compare/", compare.selection_compare, name="selection-compare"),
]
