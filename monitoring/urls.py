"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

urlpatterns = []
