"""Every catalogue write appends its change to the feed in its own transaction, with the record's
snapshot; a refused write appends nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import IdentifierState, ListingState
from catalog.services import identifier_transition, record_approve, record_update_status
from changes.models import Change
from tests.catalog.factories import ComputeResourceFactory, ensure_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource():
    ensure_reference_data()
    return ComputeResourceFactory(price_yuan=Decimal("12.00"), available_units=8, listing_state=ListingState.PENDING)


def kinds(resource) -> list[str]:
    return list(Change.objects.filter(record_type="resource", record_id=resource.pk).values_list("kind", flat=True))


def test_approval_status_updates_and_identifier_lifecycle_append_with_snapshots(resource):
    resource = record_approve(record=resource, actor=None)
    record_update_status(record=resource, changes={"price_yuan": Decimal("9.50")})
    identifier_transition(identifier=resource.identifier, to_state=IdentifierState.SUSPENDED, actor=None, reason="测试")

    # a node without an upstream acknowledges its own filing at once: issued, filed, active (three identifier rows)
    assert kinds(resource) == ["approved", "identifier", "identifier", "identifier", "status", "identifier"]
    status = Change.objects.get(record_id=resource.pk, kind="status")
    assert status.snapshot["price_yuan"] == "9.50" and status.snapshot["identifier"] == resource.identifier.code
    assert status.fields == ["price_yuan"] and status.area == resource.province_code
    suspended = Change.objects.filter(record_id=resource.pk, kind="identifier").last()
    assert suspended.snapshot["public"] is False  # a suspended identifier takes the record out of selection


def test_a_refused_write_appends_nothing(resource):
    resource = record_approve(record=resource, actor=None)
    before = Change.objects.count()
    with pytest.raises(ValidationError):
        identifier_transition(identifier=resource.identifier, to_state=IdentifierState.ACTIVE, actor=None, reason="x")
    with pytest.raises(ValueError):
        record_update_status(record=resource, changes={"name": "改名"})
    record_update_status(record=resource, changes={"available_units": 8})  # identical: no change
    assert Change.objects.count() == before
