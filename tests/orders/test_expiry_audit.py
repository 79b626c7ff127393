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


def test_batches_release_only_what_expired_and_leave_younger_holds(market, accepted):
    """One hold per batch (the PostgreSQL path's set-based statement and SQLite's id lists alike): each batch
    gives its units back and writes its entries; a hold not yet past its expiry stays held."""
    accepted(card_count=2)
    accepted(card_count=3, user=market.stranger)
    young = accepted(card_count=1)
    young_hold = Hold.objects.get(reference=f"match:{young.matches.get(rank=1).pk}")
    Hold.objects.filter(pk=young_hold.pk).update(expires_at=timezone.now() + timedelta(hours=2))
    chengdu = market.resources["chengdu"]
    assert Capacity.objects.get(resource=chengdu).held_units == 6

    assert order_services.holds_expire(now=timezone.now() + timedelta(minutes=31), batch=1) == 2
    assert Capacity.objects.get(resource=chengdu).held_units == 1
    assert sorted(Hold.objects.values_list("state", flat=True)) == ["expired", "expired", "held"]
    expired = Hold.objects.filter(state=HoldState.EXPIRED)
    assert all(hold.ended_at is not None for hold in expired)
    entries = LogEntry.objects.filter(changes__state=["held", "expired"])
    assert sorted(int(pk) for pk in entries.values_list("object_pk", flat=True)) == sorted(h.pk for h in expired)
