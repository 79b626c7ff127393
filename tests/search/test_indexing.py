"""The database backend follows the catalogue: after commit through the hook, and by its freshness
stamp for writes it was not told about (other processes); search_reindex rebuilds."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import ComputeResource, Identifier, IdentifierState, ListingState
from catalog.services import record_delist, record_update_status, records_changed_announce
from search.backends import get_backend, reset_backends
from search.backends.database import DatabaseBackend
from search.query import ComputeQuery
from search.selectors import resource_search
from tests.search.catalog_data import build_catalogue


@pytest.fixture
def catalogue(db):
    reset_backends()
    yield build_catalogue()
    reset_backends()


def names(result):
    return [row["name"] for row in result.results]


def test_status_change_after_commit_reaches_the_index_through_the_hook(
    catalogue, settings, django_capture_on_commit_callbacks
):
    settings.SEARCH_FRESHNESS_SECONDS = 3600  # no stamp check: only the hook can tell the index
    backend = get_backend()
    query = ComputeQuery.from_params({"available_now": "1", "vendor": "NVIDIA"})
    assert "A100 推理集群" in names(backend.search(query))
    backend._checked_at = float("inf")  # and make sure the stamp is not looked at
    r11 = catalogue.resources["r11"]

    with django_capture_on_commit_callbacks(execute=True):
        record_update_status(record=r11, changes={"state": "offline", "price_yuan": Decimal("7.00")})

    found = backend.search(query)
    assert "A100 推理集群" not in names(found)
    everything = backend.search(ComputeQuery(page_size=100))
    r11_hit = next(row for row in everything.results if row["id"] == r11.pk)
    assert (r11_hit["state"], r11_hit["price_yuan"]) == ("offline", "7.00")


def test_delisting_and_revoking_hide_the_record(catalogue, django_capture_on_commit_callbacks):
    backend = get_backend()
    assert backend.search(ComputeQuery(page_size=100)).count == 7

    with django_capture_on_commit_callbacks(execute=True):
        record_delist(record=catalogue.resources["r1"], actor=None)
    Identifier.objects.filter(resource=catalogue.resources["r11"]).update(state=IdentifierState.REVOKED)

    result = resource_search(query=ComputeQuery(page_size=100))
    assert result.count == 5
    assert not {"A100 训练集群", "A100 推理集群"} & set(names(result))


def test_writes_nobody_announced_are_found_by_the_freshness_stamp(catalogue):
    backend = DatabaseBackend()
    assert backend.search(ComputeQuery()).count == 7

    ComputeResource.objects.filter(pk=catalogue.resources["r6"].pk).update(listing_state=ListingState.DELISTED)
    catalogue.resources["r2"].available_units = 40
    catalogue.resources["r2"].save()  # (update() and save() without the services: no announcement)

    result = backend.search(ComputeQuery(sort="available", page_size=100))
    assert result.count == 6
    assert names(result)[:2] == ["通用计算 ARM", "昇腾训练集群"]


def test_a_bulk_batch_is_one_call_and_one_refresh(catalogue, django_capture_on_commit_callbacks):
    backend = get_backend()
    backend.search(ComputeQuery())
    ids = [catalogue.resources[name].pk for name in ("r1", "r2", "r3")]
    ComputeResource.objects.filter(pk__in=ids).update(available_units=0, state="offline")
    with django_capture_on_commit_callbacks(execute=True):
        records_changed_announce(model=ComputeResource, record_ids=ids, change="imported")

    backend._checked_at = float("inf")
    result = backend.search(ComputeQuery.from_params({"available_now": "1", "page_size": "100"}))
    assert result.count == 4


def test_rows_that_went_away_are_dropped(catalogue):
    backend = DatabaseBackend()
    assert backend.search(ComputeQuery()).count == 7
    catalogue.resources["r3"].delete()  # (r3 has no identifier yet)

    assert backend.search(ComputeQuery(page_size=100)).count == 6


def test_search_reindex_rebuilds(catalogue, capsys):
    call_command("search_reindex")

    assert "7 published resource(s) indexed on the database backend" in capsys.readouterr().out


def test_the_stamp_is_compared_every_search_on_sqlite_and_every_tenth_of_a_second_on_postgresql(settings):
    from django.db import connection

    from search.backends import freshness_seconds

    settings.SEARCH_FRESHNESS_SECONDS = None  # (unset)
    assert freshness_seconds() == (0.1 if connection.vendor == "postgresql" else 0.0)
    settings.SEARCH_FRESHNESS_SECONDS = 2
    assert freshness_seconds() == 2.0
