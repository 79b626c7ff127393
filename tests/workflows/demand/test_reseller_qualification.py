"""A reseller places and manages demands on behalf of customer organisations only while its
转售调度资格 stands: expiry or revocation stops the next action at once, with a message saying why."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workflows.demand.resellers import qualified_reseller
from workflows.demand.models import Demand
from workflows.onboarding.qualifications import reseller_qualification_revoke

pytestmark = pytest.mark.django_db

FORM = {
    "resource_class": "intelligent",
    "accelerator_model": "NVIDIA A100 80GB (SXM4)",
    "card_count": 8,
    "duration_hours": 24,
    "city": "510100",
}


@pytest.fixture
def reseller(market):
    user, _provider, qualification, customer = qualified_reseller(number="ZS-2026-0001", customer_name="客户单位甲")
    return user, qualification, customer


def _place(client, customer):
    return client.post(reverse("demand:create"), {**FORM, "customer_uscc": customer.uscc})


def test_a_qualified_reseller_places_a_demand_on_behalf_of_a_customer(client, reseller):
    user, qualification, customer = reseller
    client.force_login(user)
    assert "代客户提交" in client.get(reverse("demand:create")).content.decode()
    response = _place(client, customer)
    assert response.status_code == 302
    demand = Demand.objects.get(user=user)
    assert demand.customer == customer and demand.organization_id == user.organization_id
    assert customer.name in client.get(reverse("demand:detail", args=[demand.pk])).content.decode()


def test_after_expiry_the_same_is_refused_and_the_reseller_is_told(client, reseller):
    user, qualification, customer = reseller
    qualification.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    qualification.save()
    client.force_login(user)
    response = _place(client, customer)
    assert response.status_code == 400
    assert "转售调度资格（ZS-2026-0001）已于" in response.content.decode() and "到期" in response.content.decode()
    assert not Demand.objects.filter(user=user).exists()


def test_revocation_stops_placing_and_managing_at_once(client, reseller, market):
    user, qualification, customer = reseller
    client.force_login(user)
    assert _place(client, customer).status_code == 302
    demand = Demand.objects.get(user=user)
    match = demand.matches.first()
    assert match is not None

    reseller_qualification_revoke(qualification=qualification, reason="违规转售")
    qualification.provider.refresh_from_db()
    assert qualification.provider.reseller_qualified_until is None

    response = client.post(
        reverse("demand:accept", args=[demand.pk]), {"match": match.pk, "confirmed": "yes"}, follow=True
    )
    assert "被撤销" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status != "accepted" and not demand.matches.filter(state="accepted").exists()
    response = _place(client, customer)
    assert response.status_code == 400 and "被撤销" in response.content.decode()


def test_without_any_qualification_nothing_is_placed_for_customers(client, reseller):
    user, qualification, customer = reseller
    qualification.delete()
    client.force_login(user)
    response = _place(client, customer)
    assert "尚未取得算力转售调度资格" in response.content.decode()


def test_a_demanding_user_who_is_no_reseller_cannot_name_a_customer(client, market, reseller):
    _, _, customer = reseller
    client.force_login(market.user)
    assert "代客户提交" not in client.get(reverse("demand:create")).content.decode()
    client.post(reverse("demand:create"), {**FORM, "customer_uscc": customer.uscc})
    assert Demand.objects.get(user=market.user).customer is None  # the field is ignored: an own demand


def test_an_own_demand_needs_no_qualification(client, reseller):
    user, qualification, customer = reseller
    qualification.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    qualification.save()
    client.force_login(user)
    assert client.post(reverse("demand:create"), FORM).status_code == 302
    assert Demand.objects.get(user=user).customer is None
