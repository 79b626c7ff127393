"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path

from .api import identifiers, provider, public

urlpatterns = [
    # the public catalogue, read-only (api/public.py)
    path("catalog/providers/", public.ProviderList.as_view(), name="catalog-providers"),
    path("catalog/providers/<int:pk>/", public.ProviderDetail.as_view(), name="catalog-provider"),
    path("catalog/sites/", public.SiteList.as_view(), name="catalog-sites"),
    path("catalog/sites/<int:pk>/", public.SiteDetail.as_view(), name="catalog-site"),
    path("catalog/resources/", public.ResourceList.as_view(), name="catalog-resources"),
    path("catalog/resources/<path:identifier>/", public.ResourceDetail.as_view(), name="catalog-resource"),
    path("catalog/lines/", public.LineList.as_view(), name="catalog-lines"),
    path("catalog/lines/<path:identifier>/", public.LineDetail.as_view(), name="catalog-line"),
    path("catalog/app-services/", public.AppServiceList.as_view(), name="catalog-app-services"),
    path("catalog/app-services/<path:identifier>/", public.AppServiceDetail.as_view(), name="catalog-app-service"),
    path("identifiers/<path:identifier>/", identifiers.IdentifierResolveView.as_view(), name="identifier-resolve"),
    path("provider/sites/", provider.SiteListView.as_view(), name="provider-sites"),
    path("provider/resources/", provider.ResourceListView.as_view(), name="provider-resources"),
    path("provider/resources/<str:external_id>/", provider.ResourceDetailView.as_view(), name="provider-resource"),
    path(
        "provider/resources/<str:external_id>/status/",
        provider.ResourceStatusView.as_view(),
        name="provider-resource-status",
    ),
    path("provider/lines/", provider.LineListView.as_view(), name="provider-lines"),
    path("provider/lines/<str:external_id>/", provider.LineDetailView.as_view(), name="provider-line"),
    path("provider/lines/<str:external_id>/status/", provider.LineStatusView.as_view(), name="provider-line-status"),
    path("provider/app-services/", provider.AppServiceListView.as_view(), name="provider-app-services"),
    path(
        "provider/app-services/<str:external_id>/", provider.AppServiceDetailView.as_view(), name="provider-app-service"
    ),
    path(
        "provider/app-services/<str:external_id>/status/",
        provider.AppServiceStatusView.as_view(),
        name="provider-app-service-status",
    ),
]
