"""The periodic expiry writes its audit entries in bulk (one INSERT … SELECT for the holds, one INSERT for the
counters) and still one entry per released hold, shaped like the entries auditlog writes itself."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from orders import services as order_services
from orders.models import Capacity, Hold, HoldState

pytestmark = pytest.mark.django_db


def test_one_entry_per_expired_hold_and_one_per_counter(market, accepted):
    accepted(card_count=6)
    accepted(card_count=2, user=market.stranger)
    holds = list(Hold.objects.order_by("pk"))
    assert len(holds) == 2
    capacity = Capacity.objects.get(resource=market.resources["chengdu"])
    before = LogEntry.objects.count()

    assert order_services.holds_expire(now=timezone.now() + timedelta(minutes=31)) == 2

    for hold in holds:
        entries = LogEntry.objects.get_for_object(hold).filter(changes__state=["held", "expired"])
        assert entries.count() == 1
        entry = entries.get()
        assert entry.action == LogEntry.Action.UPDATE and entry.actor is None
        assert entry.object_repr == str(hold)  # as auditlog's own entries name a hold
        assert entry.changes["ended_at"][0] == "None" and entry.changes["ended_at"][1]
        hold.refresh_from_db()
        assert hold.state == HoldState.EXPIRED
    counter = LogEntry.objects.get_for_object(capacity).latest("pk")
    assert counter.changes == {"held_units": ["8", "0"]}  # one entry for the counter, both holds together
    assert LogEntry.objects.count() - before == 3
    assert order_services.holds_expire(now=timezone.now() + timedelta(minutes=31)) == 0
    assert LogEntry.objects.count() - before == 3  # nothing expired twice
