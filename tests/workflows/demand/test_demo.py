"""The demo seeder: two demands on the demo catalogue, one awaiting a provider, one awaiting a choice."""

import pytest

from catalog import demo as catalog_demo
from organizations import demo as organizations_demo
from workflows.demand import demo
from workflows.demand.models import Demand, DemandStatus, SchedulingRecord, SchedulingStatus


@pytest.mark.slow
def test_demo_demands_are_seeded_once(db):
    organizations_demo.seed()
    catalog_demo.seed()
    lines = demo.seed()
    assert "2 created" in lines[0]
    scheduled = Demand.objects.get(note=demo.NOTE_SCHEDULED)
    assert scheduled.status == DemandStatus.ACCEPTED
    assert SchedulingRecord.objects.filter(demand=scheduled, status=SchedulingStatus.PENDING).exists()
    open_demand = Demand.objects.get(note=demo.NOTE_OPEN)
    assert open_demand.status == DemandStatus.MATCHED and open_demand.matches.exists()
    assert "0 created" in demo.seed()[0]
    assert Demand.objects.count() == 2
