"""A provider's status change (``record_update_status``: units, price, state) carries the new stored
values of its changed fields as its feed row's patch, and another process's index applies it without
reading the record. The units a user sees are reported − held − allocated: the index keeps what is
taken beside each row, and holds reach it by their own feed rows (read again, taken units included).
(``DatabaseBackend()`` stands for another process's index: the writer's hooks never reach it.)"""

import contextlib
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import ComputeResource, ListingState
from catalog.services import record_update_status, records_changed_append
from changes.models import Change
from orders.services import HoldItem, holds_place, holds_release
from search.backends.database import DatabaseBackend
from search.query import ComputeQuery
from tests.factories import OrganizationFactory, UserFactory


def indexed(backend, resource) -> dict:
    """The index's document of ``resource`` after a search (which reads the feed)."""
    backend.search(ComputeQuery())
    index = backend._index
    return index.documents(index._positions(np.array([resource.pk], dtype=np.int64)))[0]


def found(backend, resource, **params) -> dict | None:
    """``resource``'s hit in a search for its name (with ``params``), or None."""
    hits = backend.search(ComputeQuery.from_params({"q": resource.name, **params})).results
    return next((hit for hit in hits if hit["id"] == resource.pk), None)


def page_ids(backend, **params) -> list[int]:
    return [hit["id"] for hit in backend.search(ComputeQuery.from_params(params)).results]


@contextlib.contextmanager
def without_reading_records(backend):
    """Fails unless what happens inside reads no resource row: neither a query of the resource
    table nor the index's re-read of a record (``FeedCatchUp._refresh``)."""
    refreshed: list[set[int]] = []
    refresh = backend._refresh
    backend._refresh = lambda ids: (refreshed.append(set(ids)), refresh(ids))
    table = ComputeResource._meta.db_table
    try:
        with CaptureQueriesContext(connection) as queries:
            yield
    finally:
        del backend._refresh
    assert [query["sql"] for query in queries.captured_queries if f'FROM "{table}"' in query["sql"]] == []
    assert not any(refreshed), refreshed


def latest_change(resource) -> Change:
    return Change.objects.filter(record_type="resource", record_id=resource.pk).latest("seq")


def test_a_status_push_reaches_another_index_without_reading_the_record(catalogue):
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]  # 16 units at ¥12.00, online
    before = indexed(other_process, resource)
    assert (before["available_units"], before["price_yuan"], before["available_now"]) == (16, "12.00", True)
    page_ids(other_process, sort="available")  # (the order by units is built: it must follow)

    record_update_status(record=resource, changes={"available_units": 3, "price_yuan": Decimal("31.50")})

    change = latest_change(resource)
    assert (change.kind, change.patch) == ("status", {"available_units": 3, "price_yuan": "31.50"})
    with without_reading_records(other_process):
        row = indexed(other_process, resource)
        hit = found(other_process, resource, sort="available")
        by_units = page_ids(other_process, sort="available")
    assert (row["available_units"], row["price_yuan"], row["price"]) == (3, "31.50", 31.50)
    assert (hit["available_units"], hit["price_yuan"]) == (3, "31.50")
    rebuilt = DatabaseBackend()
    assert row == indexed(rebuilt, resource)
    assert by_units == page_ids(rebuilt, sort="available")

    # the state (a column of its own): out of "available now" at once, still without a read
    record_update_status(record=resource, changes={"state": "maintenance", "available_units": 7})
    assert latest_change(resource).patch == {"state": "maintenance", "available_units": 7}
    with without_reading_records(other_process):
        row = indexed(other_process, resource)
        available_now = page_ids(other_process, available_now="1")
    assert (row["state"], row["available_units"], row["available_now"]) == ("maintenance", 7, False)
    assert resource.pk not in available_now
    assert row == indexed(DatabaseBackend(), resource)


def hold(resource, units: int, reference: str) -> None:
    """A buyer holds ``units`` of ``resource`` (orders.services, in its own transaction)."""
    buyer = UserFactory(organization=OrganizationFactory())
    item = HoldItem(
        provider_id=resource.provider_id,
        resource_id=resource.pk,
        cards=units,
        units=units,
        unit_price_yuan=Decimal("12.00"),
        amount_yuan=Decimal("12.00") * units,
    )
    with transaction.atomic():
        holds_place(reference=reference, buyer_user=buyer, hours=1, items=[item])


def test_a_hold_and_then_a_status_push_both_give_the_free_units_in_search(catalogue):
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]  # the provider reports 16 units
    assert found(other_process, resource)["available_units"] == 16

    hold(resource, 6, "hold-1")
    capacity = latest_change(resource)
    assert (capacity.kind, capacity.patch) == ("capacity", None)  # read again: the taken units come with the record
    assert found(other_process, resource)["available_units"] == 10

    record_update_status(record=resource, changes={"available_units": 8})
    with without_reading_records(other_process):
        assert found(other_process, resource)["available_units"] == 2  # reported 8 − held 6

    record_update_status(record=resource, changes={"available_units": 4})  # below what is held
    with without_reading_records(other_process):
        assert found(other_process, resource)["available_units"] == 0  # never below zero
        assert resource.pk not in page_ids(other_process, available_now="1")

    with transaction.atomic():
        holds_release(reference="hold-1")
    assert found(other_process, resource)["available_units"] == 4

    # a hold and a push read in one go: the record is read (the patch alone would miss the hold)
    hold(resource, 3, "hold-2")
    record_update_status(record=resource, changes={"available_units": 12})
    assert found(other_process, resource)["available_units"] == 9
    assert indexed(other_process, resource) == indexed(DatabaseBackend(), resource)


def test_a_patch_with_a_field_the_index_cannot_apply_still_reads_the_record(catalogue):
    """Publication depends on the listing and the identifier together (patches.REREAD): a feed row
    whose patch names the listing state makes the index read the record, units and all."""
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]
    assert found(other_process, resource) is not None
    with transaction.atomic():
        ComputeResource.objects.filter(pk=resource.pk).update(listing_state=ListingState.DELISTED, available_units=5)
        records_changed_append(
            model=ComputeResource,
            record_ids=[resource.pk],
            change="status",
            fields=("listing_state", "available_units"),
            patches={resource.pk: {"listing_state": ListingState.DELISTED, "available_units": 5}},
        )
    with CaptureQueriesContext(connection) as queries:
        row = indexed(other_process, resource)
    table = ComputeResource._meta.db_table
    assert any(f'FROM "{table}"' in query["sql"] for query in queries.captured_queries)
    assert (row["published"], row["available_units"]) == (False, 5)
    assert found(other_process, resource) is None
