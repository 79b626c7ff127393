import re

import pytest

from organizations.roles import Role
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db


def test_home_page_in_chinese_and_english(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "算力互联互通节点平台" in html
    assert 'href="#main"' in html  # skip link
    response = client.get("/en/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_language_switch_keeps_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/"
    response = client.post("/en/i18n/setlang/", {"language": "zh-hans", "next": "/en/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    # the switch on a page posts to that page's language prefix
    assert 'action="/en/i18n/setlang/"' in client.get("/en/accounts/login/").content.decode()


def test_admin_sites_answer(client, make_user):
    assert client.get("/cms/").status_code == 302
    assert client.get("/django-admin/").status_code == 302
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/cms/").status_code == 200
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/django-admin/organizations/organization/").status_code == 200


def test_api_docs_are_served_from_the_project(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith("/") for source in sources), sources
    assert {source: client.get(source).status_code for source in sources} == dict.fromkeys(sources, 200)


def test_openapi_schema_documents_the_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/divisions/", "/api/v1/industries/", "/api/v1/me/", "/api/v1/uscc/check/"} <= set(schema["paths"])


def test_me_endpoint_requires_login_and_reports_roles(client, make_user, chengdu_bureau):
    assert client.get("/api/v1/me/").status_code == 403
    reviewer = make_user(Role.MUNICIPAL_REVIEWER, authority=chengdu_bureau, full_name="陈成都")
    client.force_login(reviewer)
    body = client.get("/api/v1/me/").json()
    assert body["roles"] == ["municipal_reviewer"]
    assert body["affiliation"] == {"kind": "authority", "id": chengdu_bureau.pk, "name": "成都市经济和信息化局"}


def test_login_dashboard_and_logout(client, make_user, chengdu_org):
    make_user(Role.APPLICANT, organization=chengdu_org, username="wang", full_name="王申报")
    assert client.get("/me/").status_code == 302
    response = client.post("/accounts/login/", {"username": "wang", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "wang", "password": "Correct-horse-42"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/me/"
    assert "王申报" in html and "申报单位用户" in html and chengdu_org.name in html
    client.post("/accounts/logout/")
    assert client.get("/me/").status_code == 302


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.APPLICANT, "/applications/", "/review/"),
        (Role.MUNICIPAL_REVIEWER, "/review/", "/security/audit/"),
        (Role.NODE_OPERATOR, "/security/audit/", "/applications/"),
        (Role.PROVIDER, "/catalog/provider/api-keys/", "/review/"),
        (Role.PROVIDER, "/demands/scheduling/", "/monitoring/"),
        (Role.APPLICANT, "/demands/", "/onboarding/"),
        (Role.NODE_OPERATOR, "/monitoring/", "/demands/"),
    ],
)
def test_dashboard_lists_each_roles_entry_points(client, make_user, chengdu_org, chengdu_bureau, role, present, absent):
    affiliation = {"authority": chengdu_bureau} if role == Role.MUNICIPAL_REVIEWER else {"organization": chengdu_org}
    client.force_login(make_user(role, **affiliation))
    html = client.get("/me/").content.decode()
    assert f'href="{present}"' in html
    assert f'href="{absent}"' not in html


def test_metrics_entry_point_follows_the_authority_kind(client, make_user, sichuan_comms):
    """Provincial reviewers of the communications administration (the regulator) get the monitoring
    entry point; those of the industry & IT department, who would get a 404 there, do not."""
    industry = AuthorityFactory(
        name="四川省经济和信息化厅", level="province", department="industry_it", division_id="510000"
    )
    client.force_login(make_user(Role.PROVINCIAL_REVIEWER, authority=sichuan_comms, username="regulator"))
    assert 'href="/monitoring/"' in client.get("/me/").content.decode()
    assert client.get("/monitoring/").status_code == 200
    client.force_login(make_user(Role.PROVINCIAL_REVIEWER, authority=industry, username="industry"))
    assert 'href="/monitoring/"' not in client.get("/me/").content.decode()
