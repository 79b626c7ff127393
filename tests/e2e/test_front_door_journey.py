"""A company's way in, in a browser: sign up, verify the email, register the organisation by its USCC,
the operator certifies it, the new administrator creates an API key and pushes a resource with it."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tianfu-Compute-2026!"
OPERATOR_PASSWORD = "Correct-horse-42"


def sign_in(page, base: str, username: str, password: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url)))


def test_sign_up_register_certify_key_and_push(live_server, page, make_user):
    from catalog.models import ComputeResource, Provider, Site
    from tests.accounts.helpers import NEW_USCC, PDF_BYTES
    from tests.catalog.factories import ensure_reference_data

    ensure_reference_data()
    base = live_server.url
    make_user("node_operator", username="operator_e2e")

    # 1. sign up
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="注册账号").click()
    page.get_by_label("用户名").fill("founder")
    page.get_by_label("姓名").fill("王五")
    page.get_by_label("电子邮箱").fill("founder@example.cn")
    page.get_by_label("联系电话").fill("028-12345678")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    assert page.get_by_role("heading", name="请验证电子邮箱").is_visible()

    # 2. verify the email: the link in the mail signs the account in on the login page
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_label("用户名").fill("founder")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/organization/$"))

    # 3. register the organisation by its USCC
    page.get_by_role("link", name="为单位办理注册认证").click()
    page.get_by_label("单位名称").fill("成都新前门算力有限公司")
    page.get_by_label("统一社会信用代码").fill(NEW_USCC)
    page.get_by_label("单位类型").select_option("enterprise")
    page.get_by_label("法定代表人").fill("王五")
    page.locator("#id_address").fill("成都市高新区天府大道 1 号")
    page.get_by_label("所在省份").select_option("510000")
    page.get_by_label("所在城市").select_option("510100")
    page.get_by_label("营业执照扫描件（PDF）").set_input_files(
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_label("算力资源提供商").check()
    page.get_by_role("button", name="提交注册认证").click()
    page.wait_for_url(re.compile(r"/me/organization/$"))
    assert page.get_by_text("正在等待节点运营人员认证").is_visible()
    # nothing else is open before certification
    assert page.goto(f"{base}/catalog/provider/api-keys/").status == 403
    page.goto(f"{base}/demands/new/")
    page.wait_for_url(re.compile(r"/me/organization/$"))

    # 4. the operator certifies
    sign_in(page, base, "operator_e2e", OPERATOR_PASSWORD, "/certification/")
    page.get_by_role("link", name="成都新前门算力有限公司").click()
    page.get_by_label("通过认证").check()
    page.get_by_label("已核对营业执照扫描件与法定代表人信息").check()
    page.get_by_label("认证意见").fill("营业执照与法定代表人已人工核对。")
    page.get_by_role("button", name="保存认证结论").click()
    page.wait_for_url(re.compile(r"/certification/$"))
    assert mail.outbox[-1].to == ["founder@example.cn"]

    # 5. the new administrator creates an API key
    sign_in(page, base, "founder", PASSWORD, "/catalog/provider/api-keys/")
    page.get_by_label("用途说明").fill("资源同步")
    page.get_by_role("button", name="创建").click()
    raw_key = page.locator("code.api-key").inner_text().strip()
    assert raw_key

    # 6. ... and pushes a resource with it. The data centre itself comes with 入网入市 (the onboarding
    # process at /onboarding/); here it is recorded directly, as that process's outcome.
    provider = Provider.objects.get(organization__uscc=NEW_USCC)
    Site.objects.create(
        provider=provider, code="SITE-FD", name="新前门智算中心", city_id="510100", province_id="510000"
    )
    response = page.request.put(
        f"{base}/api/v1/provider/resources/fd-gpu-01/",
        headers={"Authorization": f"Api-Key {raw_key}"},
        data={
            "name": "前门 A100 集群",
            "site": "SITE-FD",
            "resource_class": "intelligent",
            "accelerator_model": "NVIDIA A100 80GB (SXM4)",
            "accelerators_per_node": 8,
            "node_count": 2,
            "cpu_architecture": "x86",
            "billing_unit": "card_hour",
            "price_yuan": "11.00",
            "available_units": 16,
        },
    )
    assert response.status in (200, 201), response.text()
    assert ComputeResource.objects.filter(provider=provider, external_id="fd-gpu-01").exists()
    # the one failed load is the API-key page refused before certification
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]
