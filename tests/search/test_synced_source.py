"""Synced records in selection (issue 14, item 5): an industry node's resource, synced to this regional
node, is found beside the local ones with its 来源节点, counted in the ``source`` facet, filtered by the
``source`` parameter (page and API), and disappears when the owning node removes it."""

import pytest

from federation.models import SyncedRecord
from federation.sync_receive import sync_batch_receive
from organizations.identifiers import format_identifier
from search.backends import get_backend, reset_backends
from search.query import ComputeQuery, QueryError
from tests.federation.signed import enrol
from tests.search.catalog_data import build_catalogue

PREFIX = "CN.510000.C15"


@pytest.fixture
def regional(db, settings):
    settings.NODE_ROLE = "regional"
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    settings.NODE_NAME = "四川省区域节点"
    reset_backends()
    build_catalogue()
    yield enrol(segment="C15", name="酒的制造业行业节点")
    reset_backends()


def receive(peer, *, position: int, removed: bool = False, **snapshot):
    code = format_identifier(prefix=PREFIX, class_code="A", serial=1)
    values = {
        "name": "酿造工艺智算集群",
        "provider": "宜宾酒业智算有限公司",
        "site": "宜宾数据中心",
        "province_code": "510000",
        "resource_class": "intelligent",
        "accelerator_vendor": "华为",
        "accelerator_model": "Ascend 910B",
        "accelerators_per_node": 8,
        "node_count": 2,
        "billing_unit": "card_hour",
        "price_yuan": "3.50",
        "available_units": 16,
        "state": "online",
        "fp16_tflops_per_card": "320.00",
        **snapshot,
    }
    item = {
        "identifier": code,
        "record_type": "resource",
        "position": position,
        "removed": removed,
        "snapshot": {} if removed else values,
        "source_name": "酒的制造业行业节点",
        "source_url": f"http://industry.example/catalog/r/{code}/",
    }
    sync_batch_receive(peer=peer, records=[item])
    return code


def search(**params):
    return get_backend().search(ComputeQuery.from_params({"page_size": "100", **params}))


def test_a_synced_resource_is_selected_with_its_source_node(regional):
    before = search()
    code = receive(regional.peer, position=5)
    found = search()
    assert found.count == before.count + 1
    [row] = [row for row in found.results if row["identifier"] == code]
    assert row["source_node"] == {"prefix": PREFIX, "name": "酒的制造业行业节点"}
    assert (row["name"], row["provider"]["name"], row["site"]["name"]) == (
        "酿造工艺智算集群",
        "宜宾酒业智算有限公司",
        "宜宾数据中心",
    )
    assert (row["price_yuan"], row["total_cards"], row["url"]) == ("3.50", 16, f"/catalog/r/{code}/")
    assert all(other["source_node"] is None for other in found.results if other["identifier"] != code)
    facet = {item["value"]: item for item in found.facets["source"]}
    assert facet[PREFIX]["count"] == 1 and facet[PREFIX]["label"] == f"酒的制造业行业节点（{PREFIX}）"
    assert facet["local"]["count"] == before.count and "四川省区域节点" in facet["local"]["label"]

    only = search(source=PREFIX)
    assert [row["identifier"] for row in only.results] == [code]
    assert {item["value"] for item in only.facets["source"]} == {"local", PREFIX}  # disjunctive: others still counted
    assert search(source="local").count == before.count
    assert [row["identifier"] for row in search(q="酿造").results] == [code]  # free text reaches synced records


def test_a_status_change_and_a_removal_follow_through_the_feed(regional):
    code = receive(regional.peer, position=5)
    assert search(source=PREFIX).results[0]["available_units"] == 16
    receive(regional.peer, position=6, available_units=2, state="busy")
    assert [(row["available_units"], row["state"]) for row in search(source=PREFIX).results] == [(2, "busy")]
    receive(regional.peer, position=7, removed=True)
    assert SyncedRecord.objects.get(identifier=code).removed
    assert search(source=PREFIX).count == 0
    assert code not in {row["identifier"] for row in search().results}
    assert PREFIX not in {item["value"] for item in search().facets["source"]}


def test_the_source_parameter_is_checked():
    with pytest.raises(QueryError) as raised:
        ComputeQuery.from_params({"source": "cn.510000;drop"})
    assert "来源节点" in raised.value.errors["source"][0]
    assert ComputeQuery.from_params({"source": PREFIX}).source == PREFIX


def test_the_search_api_filters_by_source_and_the_page_shows_the_facet(regional, client):
    code = receive(regional.peer, position=5)
    answer = client.get("/api/v1/search/resources/", {"source": PREFIX})
    assert answer.status_code == 200
    body = answer.json()
    assert [row["identifier"] for row in body["results"]] == [code]
    assert body["results"][0]["source_node"]["name"] == "酒的制造业行业节点"
    bad = client.get("/api/v1/search/resources/", {"source": "not a prefix"})
    assert bad.status_code == 400 and "source" in bad.json()
    page = client.get("/select/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "来源节点" in html and f"source={PREFIX}" in html
