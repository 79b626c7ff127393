"""A company's way in, in a browser: sign up, verify the email, register the organisation by its USCC,
the operator certifies it, the new administrator creates an API key and pushes a resource with it."""

import re

import pytest

from tests.e2e.front_door import PASSWORD, certify_organisation, register_organisation, sign_in, sign_up_and_verify

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_register_certify_key_and_push(live_server, page, make_user):
    from catalog.models import ComputeResource, Provider, Site
    from tests.accounts.helpers import NEW_USCC
    from tests.catalog.factories import ensure_reference_data

    ensure_reference_data()
    base = live_server.url
    make_user("node_operator", username="operator_e2e")

    # 1–2. sign up and verify the email
    sign_up_and_verify(
        page, base, username="founder", full_name="王五", email="founder@example.cn", phone="028-12345678"
    )

    # 3. register the organisation by its USCC
    register_organisation(
        page,
        name="成都新前门算力有限公司",
        uscc=NEW_USCC,
        legal_representative="王五",
        address="成都市高新区天府大道 1 号",
        role="算力资源提供商",
    )
    # nothing else is open before certification
    assert page.goto(f"{base}/catalog/provider/api-keys/").status == 403
    page.goto(f"{base}/demands/new/")
    page.wait_for_url(re.compile(r"/me/organization/$"))

    # 4. the operator certifies
    certify_organisation(
        page, base, operator="operator_e2e", name="成都新前门算力有限公司", applicant_email="founder@example.cn"
    )

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
