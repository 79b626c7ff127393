"""POST /api/v1/demands/ with ``customer_uscc``: a reseller's key names a customer organisation only while
its 转售调度资格 stands; after expiry or revocation the same call is refused with the Chinese reason and
nothing is recorded; a key of an organisation that is no reseller cannot name a customer at all."""

import datetime

import pytest
from django.utils import timezone

from catalog.services.api_keys import api_key_create
from orders.buyer_keys import buyer_key_create
from tests.workflows.demand.resellers import qualified_reseller
from workflows.demand.models import Demand
from workflows.onboarding.qualifications import reseller_qualification_revoke

pytestmark = pytest.mark.django_db

URL = "/api/v1/demands/"
BODY = {
    "resource_class": "intelligent",
    "accelerator_model": "NVIDIA A100 80GB (SXM4)",
    "card_count": 8,
    "duration_hours": 24,
    "city": "510100",
}


@pytest.fixture
def reseller(market):
    user, provider, qualification, customer = qualified_reseller(number="ZS-2026-0042", customer_name="客户单位乙")
    raw = api_key_create(provider=provider, name="调度系统", actor=user)[1]
    return user, qualification, customer, {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def _post(client, body, headers):
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_qualified_resellers_key_places_a_demand_for_its_customer(client, reseller):
    user, _, customer, key = reseller
    response = _post(client, {**BODY, "customer_uscc": customer.uscc.lower()}, key)
    assert response.status_code == 201, response.content
    assert response.json()["customer_uscc"] == customer.uscc
    demand = Demand.objects.get(pk=response.json()["id"])
    assert demand.customer == customer and demand.user == user and demand.organization_id == user.organization_id
    # the same key reads it back; the customer's uscc is in the detail
    assert client.get(f"{URL}{demand.pk}/", **key).json()["customer_uscc"] == customer.uscc


def test_after_expiry_the_same_call_is_refused_in_chinese_and_nothing_is_recorded(client, reseller):
    _, qualification, customer, key = reseller
    assert _post(client, {**BODY, "customer_uscc": customer.uscc}, key).status_code == 201
    qualification.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    qualification.save()
    response = _post(client, {**BODY, "customer_uscc": customer.uscc}, key)
    assert response.status_code == 400
    [message] = response.json()["customer_uscc"]
    assert "转售调度资格（ZS-2026-0042）已于" in message and "到期" in message
    assert Demand.objects.filter(customer=customer).count() == 1
    # its own demands still go through: only acting for customers needs the qualification
    assert _post(client, BODY, key).status_code == 201


def test_after_revocation_the_same_call_is_refused(client, reseller):
    _, qualification, customer, key = reseller
    reseller_qualification_revoke(qualification=qualification, reason="违规转售")
    response = _post(client, {**BODY, "customer_uscc": customer.uscc}, key)
    assert response.status_code == 400 and "被撤销" in response.json()["customer_uscc"][0]
    assert not Demand.objects.filter(customer=customer).exists()


def test_a_key_of_an_organisation_that_is_no_reseller_cannot_name_a_customer(client, market, reseller):
    _, _, customer, _ = reseller
    buyer = {"HTTP_AUTHORIZATION": f"Buyer-Key {buyer_key_create(actor=market.user, name='erp')[1]}"}
    response = _post(client, {**BODY, "customer_uscc": customer.uscc}, buyer)
    assert response.status_code == 400
    assert response.json()["customer_uscc"] == ["只有算力转售调度服务商可以代客户提交或管理需求。"]
    provider_key = api_key_create(provider=market.providers["chengdu"], name="ops", actor=market.staff["chengdu"])[1]
    provider = {"HTTP_AUTHORIZATION": f"Api-Key {provider_key}"}
    response = _post(client, {**BODY, "customer_uscc": customer.uscc}, provider)
    assert response.status_code == 400 and "只有算力转售调度服务商" in response.json()["customer_uscc"][0]
    assert not Demand.objects.filter(customer=customer).exists()
    # without a customer the buyer's key places its own demand
    assert _post(client, BODY, buyer).status_code == 201


def test_an_unknown_customer_is_a_field_error(client, reseller):
    _, _, _, key = reseller
    response = _post(client, {**BODY, "customer_uscc": "91510100MA61XXXX0X"}, key)
    assert response.status_code == 400
    assert response.json()["customer_uscc"] == ["没有以该统一社会信用代码注册认证的客户单位。"]
