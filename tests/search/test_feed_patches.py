"""A bulk import of existing records appends, per changed record, the new values of its changed fields
(``Change.patch``), in its own transaction; another process's index applies them over its rows
without reading the records again, in sequence order, and a patch that commits late under a newer
change of the same record never overwrites it. (``DatabaseBackend()`` stands for another process's
index: the writer's hooks never reach it.)"""

import threading
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.imports import records_import, table_from_rows
from catalog.models import ComputeResource
from catalog.services import record_update_status, records_changed_append
from changes.models import Change
from search.backends import reset_backends
from search.backends.database import DatabaseBackend
from search.backends.database.columns import FETCH
from search.query import ComputeQuery
from tests.search.catalog_data import build_catalogue

HEADERS = ["服务商侧编号", "名称", "单价（元/计费单位）"]


def import_rows(resource, *rows: tuple[str, str]) -> None:
    """The provider's import of ``(name, price)`` for this existing record (one row each, in turn)."""
    for name, price in rows:
        table = table_from_rows(HEADERS, [[resource.external_id, name, price]])
        report = records_import(model=ComputeResource, provider=resource.provider, table=table)
        assert report.ok and report.updated == 1, report.errors


def indexed(backend, resource) -> dict:
    """The index's document of ``resource`` (search/documents.py) after a search (which reads the feed)."""
    backend.search(ComputeQuery())
    index = backend._index
    return index.documents(index._positions(np.array([resource.pk], dtype=np.int64)))[0]


def resource_reads(queries) -> list[str]:
    table = ComputeResource._meta.db_table
    return [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"]]


def test_an_import_of_existing_records_reaches_another_index_without_reading_them_again(catalogue):
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]
    assert indexed(other_process, resource)["price_yuan"] == "12.00"

    import_rows(resource, ("量子训练集群", "23.45"))

    change = Change.objects.filter(record_type="resource", record_id=resource.pk).latest("seq")
    assert change.kind == "imported"
    assert {key: change.patch.get(key) for key in ("name", "price_yuan")} == {
        "name": "量子训练集群",
        "price_yuan": "23.45",
    }
    with CaptureQueriesContext(connection) as queries:
        row = indexed(other_process, resource)
    assert resource_reads(queries.captured_queries) == []  # applied from the feed row alone
    assert (row["name"], row["price_yuan"], row["price"]) == ("量子训练集群", "23.45", 23.45)
    # what the index derives from the patched columns follows too: text search, price band
    found = other_process.search(ComputeQuery.from_params({"q": "量子"})).results
    assert [hit["id"] for hit in found] == [resource.pk]
    rebuilt = DatabaseBackend()
    fresh = indexed(rebuilt, resource)
    assert {key: fresh[key] for key in ("price_band", "ppf_fp16", "text")} == {
        key: row[key] for key in ("price_band", "ppf_fp16", "text")
    }


def page_ids(backend, **params) -> list[int]:
    return [hit["id"] for hit in backend.search(ComputeQuery.from_params(params)).results]


def test_an_import_of_prices_only_moves_the_numbers_as_a_rebuild_would(catalogue):
    """A patch of numbers only goes straight into its columns (patches.patch_numbers): the price,
    its band, price-performance and the price orders come out as a rebuilt index has them, and the
    text search still finds the record."""
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]
    sorts = ("price", "-price", "price_performance_fp16")
    before = {sort: page_ids(other_process, sort=sort) for sort in sorts}  # the orders are built
    assert page_ids(other_process, q=resource.name) == [resource.pk]

    import_rows(resource, (resource.name, "0.50"))  # the same name: only the price changes

    change = Change.objects.filter(record_type="resource", record_id=resource.pk).latest("seq")
    assert change.patch["price_yuan"] == "0.50" and set(change.patch) & set(FETCH) == {"price_yuan"}
    with CaptureQueriesContext(connection) as queries:
        row = indexed(other_process, resource)
    assert resource_reads(queries.captured_queries) == []
    rebuilt = DatabaseBackend()
    fresh = indexed(rebuilt, resource)
    assert row["price_yuan"] == "0.50" and row == fresh
    after = {sort: page_ids(other_process, sort=sort) for sort in sorts}
    assert after == {sort: page_ids(rebuilt, sort=sort) for sort in sorts}
    assert after["price"].index(resource.pk) < before["price"].index(resource.pk)  # cheaper: further up
    assert page_ids(other_process, q=resource.name) == [resource.pk]


def test_patches_and_other_changes_of_one_record_apply_in_sequence_order(catalogue):
    other_process = DatabaseBackend()
    first, second = catalogue.resources["r1"], catalogue.resources["r2"]
    indexed(other_process, first)

    # first: two imports, a status change between them; the last import's price stands
    import_rows(first, ("甲一", "20.00"))
    record_update_status(record=first, changes={"price_yuan": Decimal("30.00")})
    import_rows(first, ("甲二", "25.00"))
    # second: an import, then a status change; the status change's price stands
    import_rows(second, ("乙一", "40.00"))
    record_update_status(record=second, changes={"price_yuan": Decimal("50.00")})

    assert (indexed(other_process, first)["name"], indexed(other_process, first)["price_yuan"]) == ("甲二", "25.00")
    assert (indexed(other_process, second)["name"], indexed(other_process, second)["price_yuan"]) == ("乙一", "50.00")


def test_a_changed_site_in_an_import_is_read_again_not_patched(catalogue):
    """Fields whose indexed value is not the record's own column (the site brings its place) make
    the index read the record: the patch alone would leave the old place."""
    other_process = DatabaseBackend()
    resource, moved_to = catalogue.resources["r1"], catalogue.resources["r2"].site  # (same provider)
    assert indexed(other_process, resource)["site_id"] != moved_to.pk
    table = table_from_rows(
        [*HEADERS, "数据中心站点编号"], [[resource.external_id, "迁址集群", "12.00", moved_to.code]]
    )
    report = records_import(model=ComputeResource, provider=resource.provider, table=table)
    assert report.ok and report.updated == 1, report.errors

    row = indexed(other_process, resource)
    assert (row["site_id"], row["site_name"], row["name"]) == (moved_to.pk, moved_to.name, "迁址集群")


def append_patch_and_hold(resource, price: str, *, appended: threading.Event, release: threading.Event) -> None:
    """Another connection: a patch of ``resource`` appended in a transaction that commits late."""
    try:
        with transaction.atomic():
            records_changed_append(
                model=ComputeResource,
                record_ids=[resource.pk],
                change="imported",
                patches={resource.pk: {"price_yuan": Decimal(price)}},
            )
            appended.set()
            release.wait(30)
    finally:
        connection.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_a_patch_committed_late_never_overwrites_a_newer_change_of_its_record():
    """The patch takes a lower sequence number than a status change of the same record that commits
    first; when the patch arrives the index has applied the newer change: it reads the record
    (the database's price) instead of laying the older patch over it."""
    reset_backends()
    catalogue = build_catalogue()
    resource = catalogue.resources["r1"]
    other_process = DatabaseBackend()
    indexed(other_process, resource)
    appended, release = threading.Event(), threading.Event()
    writer = threading.Thread(
        target=append_patch_and_hold, args=(resource, "20.00"), kwargs={"appended": appended, "release": release}
    )
    writer.start()
    try:
        assert appended.wait(30)
        record_update_status(record=resource, changes={"price_yuan": Decimal("30.00")})
        assert indexed(other_process, resource)["price_yuan"] == "30.00"
    finally:
        release.set()
        writer.join(30)
    late = Change.objects.filter(record_id=resource.pk, kind="imported").get()
    newer = Change.objects.filter(record_id=resource.pk, kind="status").get()
    assert late.seq < newer.seq and late.patch == {"price_yuan": "20.00"}

    assert indexed(other_process, resource)["price_yuan"] == "30.00"
    reset_backends()
