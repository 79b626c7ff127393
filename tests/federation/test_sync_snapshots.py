"""What the sending side puts in a sync batch for one of its own records (catalog.services.sync_rows.sync_items):
the public snapshot while the record is listed with a live identifier, a removal once it is delisted."""

import pytest

from catalog import services as catalog_services
from catalog.models import Identifier
from catalog.services.sync_rows import sync_items
from tests.catalog.factories import ComputeResourceFactory, ensure_reference_data

pytestmark = pytest.mark.django_db


def test_a_listed_resource_is_sent_as_its_public_snapshot_and_a_delisted_one_as_a_removal(
    settings, django_capture_on_commit_callbacks
):
    settings.NODE_PUBLIC_URL = "http://industry.example"
    settings.NODE_NAME = "酒的制造业行业节点"
    ensure_reference_data()
    resource = ComputeResourceFactory(listing_state="pending", price_yuan="12.50", available_units=6)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.record_approve(record=resource, actor=None)  # no upstream: acknowledged locally
    identifier = Identifier.objects.get(resource=resource)
    assert identifier.state == "active"

    [item] = list(sync_items(record_type="resource", record_ids=[resource.pk], position=7))
    assert (item["identifier"], item["position"], item["removed"], item["pk"]) == (
        identifier.code,
        7,
        False,
        resource.pk,
    )
    assert item["source_name"] == "酒的制造业行业节点"
    assert item["source_url"] == f"http://industry.example/catalog/r/{identifier.code}/"
    snapshot = item["snapshot"]
    assert (snapshot["name"], snapshot["price_yuan"], snapshot["available_units"]) == (resource.name, "12.50", 6)
    assert snapshot["provider"] == resource.provider.organization.name and snapshot["site"] == resource.site.name

    catalog_services.record_delist(record=resource, actor=None)
    [item] = list(sync_items(record_type="resource", record_ids=[resource.pk], position=8))
    assert (item["removed"], item["snapshot"]) == (True, {})
