"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path
from viewflow.workflow.flow import FlowViewset

from . import views
from .flows import DemandFlow

app_name = "demand"

urlpatterns = [
    path("demands/", views.demand_list, name="list"),
    path("demands/new/", views.DemandCreateView.as_view(), name="create"),
    path("demands/<int:pk>/", views.demand_detail, name="detail"),
    path("demands/<int:pk>/accept/", views.demand_accept, name="accept"),
    path("demands/scheduling/", views.scheduling_list, name="scheduling-list"),
    path("demands/scheduling/<int:pk>/", views.scheduling_detail, name="scheduling-detail"),
    # Viewflow's own pages of the process (task URLs, chart; process lists for managers).
    path("demands/flow/", FlowViewset(DemandFlow, parent_namespace=app_name).urls),
]
