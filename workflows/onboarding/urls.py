"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path

from . import qualification_views, views

app_name = "onboarding"

urlpatterns = [
    path("onboarding/", views.inbox, name="inbox"),
    path(
        "onboarding/qualifications/<int:pk>/revoke/",
        qualification_views.qualification_revoke,
        name="qualification-revoke",
    ),
    path("onboarding/<slug:flow_key>/start/", views.start, name="start"),
    path("onboarding/<slug:flow_key>/<int:pk>/", views.process_detail, name="process"),
    path("onboarding/<slug:flow_key>/<int:process_pk>/tasks/<int:task_pk>/", views.task, name="task"),
]
