"""The database backend follows the catalogue through the change feed: at once after commit in the
writing process (the hook makes it read the feed), and before a search in every other process;
search_reindex rebuilds."""

from decimal import Decimal

from django.core.management import call_command
from django.db import transaction

from catalog.models import ComputeResource, Identifier, IdentifierState
from catalog.services import record_delist, record_update_status, records_changed_append
from search.backends import get_backend
from search.backends.database import DatabaseBackend
from search.query import ComputeQuery
from search.selectors import resource_search


def names(result):
    return [row["name"] for row in result.results]


def test_status_change_after_commit_reaches_the_index_through_the_hook(
    catalogue, settings, django_capture_on_commit_callbacks
):
    settings.SEARCH_FRESHNESS_SECONDS = 3600  # no feed read before searching: only the hook can tell the index
    backend = get_backend()
    query = ComputeQuery.from_params({"available_now": "1", "vendor": "NVIDIA"})
    assert "A100 推理集群" in names(backend.search(query))
    backend._checked_at = float("inf")  # and make sure a search does not read the feed
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
    r11 = catalogue.resources["r11"]
    with transaction.atomic():  # (what identifier_transition does, without its transition rules)
        Identifier.objects.filter(resource=r11).update(state=IdentifierState.REVOKED)
        records_changed_append(model=ComputeResource, record_ids=[r11.pk], change="identifier")

    result = resource_search(query=ComputeQuery(page_size=100))
    assert result.count == 5
    assert not {"A100 训练集群", "A100 推理集群"} & set(names(result))


def test_changes_committed_by_another_process_are_read_from_the_feed(catalogue):
    backend = DatabaseBackend()  # (another process's index: the writer's hook does not reach it)
    assert backend.search(ComputeQuery()).count == 7

    record_delist(record=catalogue.resources["r6"], actor=None)
    record_update_status(record=catalogue.resources["r2"], changes={"available_units": 40})

    result = backend.search(ComputeQuery(sort="available", page_size=100))
    assert result.count == 6
    assert names(result)[:2] == ["通用计算 ARM", "昇腾训练集群"]


def test_a_bulk_batch_is_one_call_and_one_refresh(catalogue, django_capture_on_commit_callbacks):
    backend = get_backend()
    backend.search(ComputeQuery())
    ids = [catalogue.resources[name].pk for name in ("r1", "r2", "r3")]
    ComputeResource.objects.filter(pk__in=ids).update(available_units=0, state="offline")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        records_changed_append(model=ComputeResource, record_ids=ids, change="imported")

    backend._checked_at = float("inf")
    result = backend.search(ComputeQuery.from_params({"available_now": "1", "page_size": "100"}))
    assert result.count == 4


def test_rows_that_went_away_are_dropped(catalogue):
    backend = DatabaseBackend()
    assert backend.search(ComputeQuery()).count == 7
    r3 = catalogue.resources["r3"].pk
    with transaction.atomic():  # (r3 has no identifier yet)
        ComputeResource.objects.filter(pk=r3).delete()
        records_changed_append(model=ComputeResource, record_ids=[r3], change="deleted")

    assert backend.search(ComputeQuery(page_size=100)).count == 6


def test_search_reindex_rebuilds(catalogue, capsys):
    call_command("search_reindex")

    assert "7 published resource(s) indexed on the database backend" in capsys.readouterr().out


def test_the_feed_is_read_every_search_on_sqlite_and_every_tenth_of_a_second_on_postgresql(settings):
    from django.db import connection

    from search.backends import freshness_seconds

    settings.SEARCH_FRESHNESS_SECONDS = None  # (unset)
    assert freshness_seconds() == (0.1 if connection.vendor == "postgresql" else 0.0)
    settings.SEARCH_FRESHNESS_SECONDS = 2
    assert freshness_seconds() == 2.0
