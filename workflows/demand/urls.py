"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path
from viewflow.workflow.flow import FlowViewset

from . import resale_views, views
from .flows import DemandFlow

app_name = "demand"

urlpatterns = [
    path("demands/", views.demand_list, name="list"),
    path("demands/new/", views.DemandCreateView.as_view(), name="create"),
    path("demands/<int:pk>/", views.demand_detail, name="detail"),
    path("demands/<int:pk>/accept/", views.demand_accept, name="accept"),
    path("demands/scheduling/", views.scheduling_list, name="scheduling-list"),
    path("demands/scheduling/<int:pk>/", views.scheduling_detail, name="scheduling-detail"),
    # resale offers (转售报价): public list, the reseller's own, the providers' view of who resells them
    path("resale/", resale_views.resale_public, name="resale-list"),
    path("resale/mine/", resale_views.resale_mine, name="resale-mine"),
    path("resale/new/", resale_views.resale_new, name="resale-new"),
    path("resale/<int:pk>/withdraw/", resale_views.resale_withdraw, name="resale-withdraw"),
    path("resale/resold/", resale_views.resale_resold, name="resale-resold"),
    # Viewflow's own pages of the process (task URLs, chart; process lists for managers).
    path("demands/flow/", FlowViewset(DemandFlow, parent_namespace=app_name).urls),
]
