"""This app's pages, included by portal/urls.py (inside i18n_patterns, before Wagtail's catch-all)."""

from django.urls import path

from . import pages, views

app_name = "orders"

urlpatterns = [
    path("orders/", views.order_list, name="list"),
    path("orders/statements/", pages.statement_month, name="statements"),
    path("orders/api-keys/", pages.buyer_keys, name="buyer-keys"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/pdf/", pages.order_document, name="pdf"),
    path("orders/<int:pk>/access/", pages.order_access, name="access"),
    path("orders/<int:pk>/statement/", pages.order_statement, name="statement"),
]
