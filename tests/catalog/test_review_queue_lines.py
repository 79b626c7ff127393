"""The catalogue review queue (the operators' "审核通过并发放算力标识" action) checks a line's provider again at
approval: a line pushed while its provider was a certified line provider, approved after that ended, is refused
with the reason in Chinese and nothing changes (issue 16 item 2; the Viewflow line route checks at its decision)."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import services
from catalog.models import Identifier, NetworkLine, OnboardingState
from tests.catalog.factories import NetworkLineFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    kept = NetworkLineFactory(listing_state="pending", name="德阳—成都专线")
    lapsed = NetworkLineFactory(listing_state="pending", name="绵阳—成都专线")
    lapsed.provider.organization.name = "蜀网线路有限公司"
    lapsed.provider.organization.save()
    # pushed while certified; the certification has since been suspended
    lapsed.provider.onboarding_state = OnboardingState.SUSPENDED
    lapsed.provider.save()
    return kept, lapsed


def test_the_service_refuses_a_line_of_a_provider_no_longer_certified_at_the_provider_field(lines):
    _kept, lapsed = lines
    operator = UserFactory(roles=["node_operator"])
    entries = LogEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.record_approve(record=lapsed, actor=operator)
    assert refused.value.message_dict == {
        "provider": ["蜀网线路有限公司 当前不是已认证的网络线路提供商，线路“绵阳—成都专线”不能审核上架。"]
    }
    lapsed.refresh_from_db()
    assert lapsed.listing_state == "pending"
    assert not Identifier.objects.filter(line=lapsed).exists()
    assert LogEntry.objects.count() == entries


def test_the_review_queue_approves_the_certified_ones_and_says_why_not_the_other(client, lines):
    kept, lapsed = lines
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:catalog_networkline_changelist"),
        {"action": "approve_records", "_selected_action": [kept.pk, lapsed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "蜀网线路有限公司 当前不是已认证的网络线路提供商，线路“绵阳—成都专线”不能审核上架。" in page
    assert "已审核通过 1 条记录。" in page
    assert NetworkLine.objects.get(pk=kept.pk).listing_state == "approved"
    assert NetworkLine.objects.get(pk=lapsed.pk).listing_state == "pending"
    assert Identifier.objects.filter(line=kept).exists() and not Identifier.objects.filter(line=lapsed).exists()
