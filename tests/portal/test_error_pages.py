"""The site's own error pages (400, 403, 404, 500) in the house layout, in Chinese and under /en/ in English,
and never Django's DEBUG technical page under `make run`'s settings (DEBUG off unless set explicitly)."""

import datetime

import pytest
from django.test import RequestFactory
from django.views import defaults

from tests.factories import UserFactory
from tests.workflows.node_application.factories import applicant, eligible_org
from workflows.node_application import demo, services

pytestmark = pytest.mark.django_db
TECHNICAL = ("Using the URLconf defined in", "DEBUG = True", "Traceback", "Page not found at", "Request Method:")
HOUSE = ('<header class="site-header">', 'class="site-nav"', 'class="brand"', "site.css")


def house_page(response, status: int) -> str:
    assert response.status_code == status
    html = response.content.decode()
    for marker in TECHNICAL:
        assert marker not in html, marker
    for marker in HOUSE:
        assert marker in html, marker
    return html


def test_missing_url_gets_the_chinese_404_page_and_english_under_en(client):
    html = house_page(client.get("/no-such-page/"), 404)
    assert "页面不存在" in html and 'href="/select/"' in html
    english = house_page(client.get("/en/no-such-page/"), 404)
    assert "Page not found" in english and "页面不存在" not in english


def test_an_application_of_another_organisation_answers_the_house_404(client):
    demo.seed()
    from workflows.node_application.models import Campaign

    sichuan = Campaign.objects.get(slug="sc-2026")
    owner = applicant(eligible_org("510100"))
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=owner, now=sichuan.opens_at + datetime.timedelta(days=1)
    )
    client.force_login(applicant(eligible_org("130100")))
    html = house_page(client.get(f"/applications/{application.reference}/"), 404)
    assert "不在您的权限范围内" in html and "回到我的工作台" in html
    assert owner.organization.name not in html  # nothing said about what exists


def test_a_bad_host_gets_the_house_400_page(client):
    html = house_page(client.get("/", HTTP_HOST="evil.example"), 400)
    assert "请求有误" in html
    english = house_page(client.get("/en/catalog/", HTTP_HOST="evil.example"), 400)
    assert "Bad request" in english


def test_forbidden_and_csrf_failures_get_house_pages(client):
    from django.contrib.auth import get_user_model

    csrf_client = type(client)(enforce_csrf_checks=True)
    user = UserFactory()
    csrf_client.force_login(get_user_model().objects.get(pk=user.pk))
    html = house_page(csrf_client.post("/accounts/logout/"), 403)
    assert "页面已过期" in html
    request = RequestFactory().get("/")
    request.user = user
    response = defaults.permission_denied(request, Exception())
    house_page(response, 403)


def test_server_error_page_is_the_house_layout_without_a_request_context():
    html = house_page(defaults.server_error(RequestFactory().get("/")), 500)
    assert "服务暂时不可用" in html and "/static/css/site.css" in html
