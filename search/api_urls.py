"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("search/resources/", api.ResourceSearchView.as_view(), name="search-resources"),
]
