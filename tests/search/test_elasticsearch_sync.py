"""The Elasticsearch index follows the change feed (search/elasticsearch_sync.py), by exact bulk
request bodies (no server): a change whose after-commit hooks never ran (the writer died after its
commit) still reaches the index; renames of sites, providers and divisions re-index every resource
they name; a pass that fails moves nothing and the next one sends the same documents again."""

from decimal import Decimal
from unittest import mock

import pytest
from elasticsearch import ConnectionError as ESConnectionError

from catalog import services as catalog_services
from changes.models import Change, ConsumerCursor
from changes.services import feed_prune
from organizations.models import Division
from organizations.services import division_save, organization_save
from search.backends.elasticsearch import ElasticsearchBackend, es_source
from search.documents import resource_document, resource_rows
from search.elasticsearch_sync import CURSOR, elasticsearch_sync
from tests.catalog.factories import ComputeResourceFactory, SiteFactory
from tests.changes.cursors import cursor_at_sequence_end

pytestmark = pytest.mark.django_db
ALIAS = "unit-compute-resources"


@pytest.fixture
def backend(settings):
    settings.SEARCH_INDEX_PREFIX = "unit"
    backend = ElasticsearchBackend(url="http://search.invalid:9200", client=mock.MagicMock())
    cursor_at_sequence_end(CURSOR)  # the worker's consumer was running: its cursor stands at the feed's end
    return backend


@pytest.fixture
def bulk():
    with mock.patch("search.backends.elasticsearch.helpers.bulk", return_value=(0, [])) as bulk:
        yield bulk


@pytest.fixture
def sites():
    chengdu = SiteFactory(code="CD-01", name="成都一号", city_id="510100")
    hebei = SiteFactory(code="SJZ-01", name="石家庄一号", city_id="130100")
    return chengdu, hebei


def sent(bulk) -> list[dict]:
    """The actions of the one bulk request, by document id (the database returns rows in any order)."""
    assert bulk.call_count == 1
    return sorted(bulk.call_args.args[1], key=lambda action: action["_id"])


def expected(*resources) -> list[dict]:
    """The exact actions for these resources, indexed as they are now."""
    rows = {row["id"]: row for row in resource_rows(ids={resource.pk for resource in resources})}
    return [
        {"_op_type": "index", "_index": ALIAS, "_id": pk, "_source": es_source(resource_document(rows[pk]))}
        for pk in sorted(rows)
    ]


def test_a_status_change_whose_after_commit_hooks_never_ran_reaches_the_index(backend, bulk, sites):
    resource = ComputeResourceFactory(site=sites[0])
    elasticsearch_sync(backend=backend)
    bulk.reset_mock()
    # (the test database never runs on_commit callbacks: as if the writer died right after its commit)
    catalog_services.record_update_status(record=resource, changes={"price_yuan": Decimal("7.25")})

    assert elasticsearch_sync(backend=backend) == {"changes": 1, "documents": 1}

    actions = sent(bulk)
    assert actions == expected(resource)
    assert actions[0]["_source"]["price_yuan"] == "7.25"
    bulk.reset_mock()
    assert elasticsearch_sync(backend=backend) == {"changes": 0, "documents": 0}  # nothing twice
    bulk.assert_not_called()


def test_a_division_rename_reindexes_every_resource_at_a_site_in_it(backend, bulk, sites):
    chengdu, hebei = sites
    in_chengdu = [ComputeResourceFactory(site=chengdu), ComputeResourceFactory(site=chengdu)]
    ComputeResourceFactory(site=hebei)
    elasticsearch_sync(backend=backend)
    bulk.reset_mock()

    city = Division.objects.get(code="510100")
    city.name_zh = "成都市（新名）"
    division_save(division=city)

    assert elasticsearch_sync(backend=backend) == {"changes": 1, "documents": 2}
    actions = sent(bulk)
    assert actions == expected(*in_chengdu)
    assert {action["_source"]["city_name"] for action in actions} == {"成都市（新名）"}


def test_site_and_provider_renames_reindex_their_resources(backend, bulk, sites):
    chengdu, hebei = sites
    at_chengdu = ComputeResourceFactory(site=chengdu)
    at_hebei = ComputeResourceFactory(site=hebei)
    elasticsearch_sync(backend=backend)
    bulk.reset_mock()

    chengdu.name = "成都二号"
    catalog_services.site_save(site=chengdu)
    organization = hebei.provider.organization
    organization.name = "改名后的服务商"
    organization_save(organization=organization)

    assert elasticsearch_sync(backend=backend) == {"changes": 2, "documents": 2}
    actions = sent(bulk)
    assert actions == expected(at_chengdu, at_hebei)
    by_id = {action["_id"]: action["_source"] for action in actions}
    assert by_id[at_chengdu.pk]["site_name"] == "成都二号"
    assert by_id[at_hebei.pk]["provider_name"] == "改名后的服务商"


def test_a_pass_that_fails_moves_nothing_and_the_next_sends_the_same_documents(backend, bulk, sites):
    resource = ComputeResourceFactory(site=sites[0])
    elasticsearch_sync(backend=backend)
    position = ConsumerCursor.objects.get(name=CURSOR).position
    catalog_services.record_update_status(record=resource, changes={"available_units": 3})
    bulk.reset_mock()
    bulk.side_effect = ESConnectionError("search.invalid unreachable")

    with pytest.raises(ESConnectionError):
        elasticsearch_sync(backend=backend)
    assert ConsumerCursor.objects.get(name=CURSOR).position == position

    bulk.side_effect = None
    bulk.reset_mock()
    assert elasticsearch_sync(backend=backend) == {"changes": 1, "documents": 1}
    assert sent(bulk) == expected(resource)


def test_a_consumer_the_feed_was_pruned_past_rebuilds_the_index(backend, bulk, sites):
    resource = ComputeResourceFactory(site=sites[0])
    elasticsearch_sync(backend=backend)
    for units in (1, 2, 3):
        catalog_services.record_update_status(record=resource, changes={"available_units": units})
    first = Change.objects.order_by("seq").values_list("seq", flat=True).first()
    ConsumerCursor.objects.filter(name=CURSOR).delete()  # away for longer than the catch-up window:
    feed_prune(window_seconds=0)  # the feed keeps only its newest change
    ConsumerCursor.objects.create(name=CURSOR, position=first)

    with mock.patch.object(ElasticsearchBackend, "rebuild", return_value=1) as rebuild:
        elasticsearch_sync(backend=backend)
    rebuild.assert_called_once_with()
    assert ConsumerCursor.objects.get(name=CURSOR).position == Change.objects.get().seq
