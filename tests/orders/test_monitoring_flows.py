"""Monitoring families 9 (scheduling) and 10 (application) count real orders and consumed usage."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from monitoring.metrics.collectors import metrics_collect
from monitoring.models import Granularity, MetricValue
from orders import services as order_services
from orders.usage import UsageInput, usage_record_push

pytestmark = pytest.mark.django_db


def total(name: str) -> float:
    return sum(MetricValue.objects.filter(name=name, granularity=Granularity.HOUR).values_list("total", flat=True))


def test_orders_and_usage_feed_flows_9_and_10(market, confirmed):
    order_services.order_activate(order=confirmed, actor=market.staff["chengdu"])
    end = timezone.now()
    for record_id, hours in (("a", "5.5"), ("b", "4")):
        usage_record_push(
            provider=market.providers["chengdu"],
            data=UsageInput(
                record_id=record_id,
                order_id=confirmed.pk,
                resource_id=market.resources["chengdu"].pk,
                card_hours=Decimal(hours),
                started_at=end - timedelta(hours=1),
                ended_at=end,
            ),
        )
    metrics_collect(start=end - timedelta(hours=3), end=end + timedelta(hours=1))
    assert total("orders_confirmed") == 1 and total("orders_activated") == 1
    assert total("usage_card_hours") == 9.5
    assert total("usage_amount_yuan") == float(Decimal("9.5") * 12)
    row = MetricValue.objects.get(name="usage_card_hours", granularity=Granularity.HOUR)
    assert row.provider_id == market.providers["chengdu"].pk and row.family == MetricValue.Family.APPLICATION
