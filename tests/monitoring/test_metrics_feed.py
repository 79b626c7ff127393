"""Resource samples come from the change feed (a durable cursor), not from an after-commit hook: a
change whose after-commit hooks never ran (the process died after the commit) still becomes a
sample once the worker's consumer runs, exactly once, and a failed pass moves nothing."""

from decimal import Decimal

import pytest
from django.db import transaction

from catalog import services as catalog_services
from changes.models import ConsumerCursor
from monitoring.metrics import feed
from monitoring.metrics.feed import CURSOR, resource_samples_from_feed, samples_pending
from monitoring.models import ResourceSample
from tests.catalog.factories import ComputeResourceFactory, SiteFactory
from tests.changes.cursors import cursor_at_sequence_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource():
    return ComputeResourceFactory(site=SiteFactory(code="SITE-A"), external_id="A100-01", node_count=4)


@pytest.fixture
def consumer_running():
    cursor_at_sequence_end(CURSOR)  # the worker's consumer was running: its cursor stands at the feed's end


def test_a_change_whose_after_commit_hooks_never_ran_still_becomes_a_sample(resource, consumer_running):
    # (the test database never runs on_commit callbacks: as if the writer died right after its commit)
    catalog_services.record_update_status(record=resource, changes={"available_units": 5, "state": "offline"})
    assert ResourceSample.objects.count() == 0 and samples_pending()

    assert resource_samples_from_feed() == {"changes": 1, "samples": 1}

    sample = ResourceSample.objects.get()
    assert (sample.resource_id, sample.source, sample.available_cards, sample.state, sample.state_changed) == (
        resource.pk,
        "status",
        5,
        "offline",
        True,
    )
    assert not samples_pending()


def test_a_restarted_consumer_catches_up_every_change_exactly_once(resource, consumer_running):
    for units in (3, 4, 5):  # committed while no worker ran
        catalog_services.record_update_status(record=resource, changes={"available_units": units})
    catalog_services.record_update_status(record=resource, changes={"available_units": 5})  # identical: no change

    assert resource_samples_from_feed() == {"changes": 3, "samples": 3}
    assert resource_samples_from_feed() == {"changes": 0, "samples": 0}  # run again: nothing twice
    assert ResourceSample.objects.count() == 3


def test_only_status_changes_of_listed_resources_become_samples(resource, consumer_running):
    pending = ComputeResourceFactory(site=resource.site, external_id="NEW-01", listing_state="pending")
    catalog_services.record_update_status(record=pending, changes={"available_units": 2})
    with transaction.atomic():
        catalog_services.records_changed_append(model=type(resource), record_ids=[resource.pk], change="delisted")

    assert resource_samples_from_feed() == {"changes": 2, "samples": 0}
    assert ResourceSample.objects.count() == 0


def test_a_pass_that_fails_moves_nothing_and_the_next_one_stores_the_sample(resource, consumer_running, monkeypatch):
    before = ConsumerCursor.objects.get(name=CURSOR).position
    catalog_services.record_update_status(record=resource, changes={"price_yuan": Decimal("9.50")})

    def broken(**kwargs):
        raise RuntimeError("worker killed")

    from monitoring.metrics import ingest

    real = ingest.resource_status_record
    monkeypatch.setattr(ingest, "resource_status_record", broken)
    with pytest.raises(RuntimeError):
        resource_samples_from_feed()
    assert ConsumerCursor.objects.get(name=CURSOR).position == before
    assert ResourceSample.objects.count() == 0

    monkeypatch.setattr(ingest, "resource_status_record", real)
    assert resource_samples_from_feed() == {"changes": 1, "samples": 1}
    assert feed.samples_pending() is False
