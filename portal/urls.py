from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from monitoring import views as monitoring_views
from portal import page_views, views
from portal.content_api.views import router as content_api_router

admin.site.site_header = "算力互联互通节点平台 · 运营管理"
admin.site.site_title = "节点运营管理"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", monitoring_views.prometheus_metrics, name="prometheus-metrics"),  # system E, protected
    path("robots.txt", page_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", page_views.sitemap, name="sitemap"),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    # Wagtail's API v2 for other front ends: inside /api/v1/, the one versioned, documented interface.
    path("api/v1/content/", content_api_router.urls),
    path("api/v1/", include(("portal.api_urls", "v1"), namespace="v1")),
    re_path(r"^api/(?P<rest>(?s:.*))$", views.api_not_found),  # unknown API paths: JSON 404, not the HTML page
]

# Pages people read: Chinese at /, English under /en/.
urlpatterns += i18n_patterns(
    # The language switch posts to the current language's prefix, so that `next` resolves in the
    # language it is written in and is translated into the chosen one.
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("me/", views.dashboard, name="dashboard"),
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("search.urls")),
    path("", include("workflows.node_application.urls")),
    path("", include("workflows.onboarding.urls")),
    path("", include("workflows.demand.urls")),
    path("", include("orders.urls")),
    path("", include("monitoring.urls")),
    path("", include("security.urls")),
    path("site-search/", page_views.site_search, name="site_search"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
