"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path

from . import expert_views, finding_views, form_views, objection_views, public_views, review_views, route_views, views

app_name = "node_application"

urlpatterns = [
    path("applications/", views.application_list, name="list"),
    path("applications/new/<slug:slug>/<str:node_type>/", views.application_create, name="create"),
    path("applications/<str:reference>/", views.application_detail, name="detail"),
    path("applications/<str:reference>/edit/", form_views.application_edit, name="edit"),
    path("applications/<str:reference>/edit/<slug:step>/", form_views.application_edit, name="edit_step"),
    path("applications/<str:reference>/submit/", views.application_submit, name="submit"),
    path("applications/<str:reference>/withdraw/", views.application_withdraw, name="withdraw"),
    path("applications/<str:reference>/prereview/", views.application_request_prereview, name="prereview"),
    path("applications/<str:reference>/materials/", form_views.material_upload, name="upload"),
    path("applications/<str:reference>/materials/<int:pk>/delete/", form_views.material_delete, name="material_delete"),
    path("applications/<str:reference>/materials/<int:pk>/", views.material_download, name="material"),
    path("applications/<str:reference>/form.pdf", views.form_pdf_download, name="form_pdf"),
    path("applications/<str:reference>/paper-copies/", route_views.paper_copies, name="paper_copies"),
    path("applications/<str:reference>/package/", views.package_download, name="package"),
    path("applications/<str:reference>/trail.csv", views.events_export, name="trail"),
    path("applications/<str:reference>/milestones/", views.milestone_record, name="milestone"),
    path("applications/<str:reference>/score/", expert_views.expert_score, name="score"),
    path("applications/<str:reference>/experts/", expert_views.expert_assign, name="experts"),
    path("applications/<str:reference>/objections/", expert_views.objection_lodge, name="objection"),
    path(
        "applications/<str:reference>/objections/<int:pk>/resolve/",
        objection_views.objection_resolve,
        name="objection_resolve",
    ),
    path(
        "applications/<str:reference>/objections/<int:pk>/attachment/",
        objection_views.objection_attachment,
        name="objection_attachment",
    ),
    path("applications/<str:reference>/findings/", finding_views.application_findings, name="findings"),
    path("review/findings/", finding_views.finding_list, name="finding_list"),
    path("review/findings/<int:pk>/withdraw/", finding_views.finding_withdraw, name="finding_withdraw"),
    path("review/findings/<int:pk>/evidence/", finding_views.finding_evidence, name="finding_evidence"),
    # 公示: public, no sign-in
    path("publicity/", public_views.publicity_list, name="publicity_list"),
    path("publicity/<str:reference>/", public_views.publicity_detail, name="publicity_detail"),
    path("review/", review_views.inbox, name="inbox"),
    path("review/expert/", expert_views.expert_inbox, name="expert_inbox"),
    path("review/tasks/<int:pk>/", review_views.task_detail, name="task"),
    path("review/batch-recommend/", review_views.batch_recommend, name="batch_recommend"),
]
