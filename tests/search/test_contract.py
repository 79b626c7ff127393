"""The contract table: every query case against every reachable backend — identical ids, order and facets.

Backends: the database backend (SQLite here, PostgreSQL when CI sets DATABASE_URL), the naive ORM
baseline (an independent reference implementation), and Elasticsearch when ELASTICSEARCH_URL is set.
"""

import os
import uuid

import pytest
from django.test import override_settings

from search.backends.database import DatabaseBackend
from search.backends.naive import NaiveOrmBackend
from search.query import ComputeQuery
from tests.search.catalog_data import A100, build_catalogue

VISIBLE = ["r1", "r2", "r3", "r4", "r5", "r6", "r11"]

# (case id, request parameters, expected resources in order)
CASES = [
    ("default-price", {}, ["r5", "r6", "r2", "r1", "r11", "r3", "r4"]),
    ("price-desc", {"sort": "-price"}, ["r4", "r3", "r1", "r11", "r2", "r6", "r5"]),
    ("class", {"resource_class": "intelligent"}, ["r2", "r1", "r11", "r3"]),
    ("vendor-by-available", {"vendor": "NVIDIA", "sort": "available"}, ["r1", "r3", "r11", "r4", "r6"]),
    ("province", {"province": "130000"}, ["r5", "r3"]),
    ("city", {"city": "510700"}, ["r6", "r2", "r11"]),
    ("min-cards", {"min_cards": "32"}, ["r2", "r1", "r11", "r4"]),
    ("fp16-and-price", {"min_fp16": "300", "max_price": "20"}, ["r6", "r1", "r11"]),
    ("fp64", {"min_fp64": "9.7"}, ["r1", "r11", "r3", "r4"]),
    ("memory", {"min_memory_gb": "64"}, ["r2", "r1", "r11", "r3", "r4"]),
    ("available-now", {"available_now": "1"}, ["r5", "r6", "r1", "r11", "r4"]),
    ("certified", {"certified_only": "1"}, ["r6", "r1"]),
    ("text-model", {"q": "A100"}, ["r1", "r11", "r4"]),
    ("text-city", {"q": "绵阳"}, ["r6", "r2", "r11"]),
    ("text-two-terms", {"q": "a100 成都", "sort": "available"}, ["r1", "r4"]),
    ("model", {"model": A100}, ["r1", "r11", "r4"]),
    ("architecture", {"cpu_architecture": "arm"}, ["r5"]),
    ("combined", {"resource_class": "intelligent", "vendor": "NVIDIA", "province": "510000"}, ["r1", "r11"]),
    ("price-performance-fp16", {"sort": "price_performance_fp16"}, ["r6", "r3", "r4", "r1", "r11", "r2", "r5"]),
    ("price-performance-fp64", {"sort": "price_performance_fp64"}, ["r3", "r4", "r1", "r11", "r2", "r5", "r6"]),
    ("latency", {"user_city": "510100", "sort": "latency"}, ["r1", "r4", "r2", "r6", "r11", "r3", "r5"]),
    ("max-latency", {"user_city": "510100", "max_latency_ms": "5"}, ["r6", "r2", "r1", "r11", "r4"]),
    ("min-bandwidth", {"user_city": "510100", "min_bandwidth_mbps": "5000"}, ["r6", "r2", "r1", "r11", "r4"]),
    ("no-lines-from-city", {"user_city": "130600", "sort": "latency"}, VISIBLE),
    ("page-2", {"page": "2", "page_size": "3"}, ["r1", "r11", "r3"]),
    ("past-the-end", {"page": "5", "page_size": "3"}, []),
    ("nothing", {"vendor": "Nobody"}, []),
    ("price-band", {"price_band": "10-20"}, ["r1", "r11"]),
    ("price-band-open", {"price_band": "50-", "vendor": "NVIDIA"}, ["r4"]),
    ("price-band-low", {"price_band": "0-5"}, ["r5", "r6"]),
    # sort by price among resources above a reliability floor (unknown figures never pass a floor)
    ("reliability-floor-by-price", {"min_reliability": "97"}, ["r2", "r1", "r3", "r4"]),
    ("reliability-floor-high", {"min_reliability": "99.5", "vendor": "NVIDIA"}, ["r1", "r3", "r4"]),
    ("reliability-sort", {"sort": "reliability"}, ["r1", "r4", "r3", "r2", "r5", "r6", "r11"]),
]
COUNTS = {"page-2": 7, "past-the-end": 7}


@pytest.fixture
def catalogue(db):
    return build_catalogue()


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend(request, catalogue):
    if request.param == "database":
        yield DatabaseBackend()
        return
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if not url:
        pytest.skip("needs an Elasticsearch server: set ELASTICSEARCH_URL (CI without one skips this)")
    from search.backends.elasticsearch import ElasticsearchBackend

    prefix = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    with override_settings(SEARCH_INDEX_PREFIX=prefix):
        es = ElasticsearchBackend(url=url)
        es.rebuild()
        yield es
        for name in es.client.indices.get(index=f"{prefix}-*"):  # by name: wildcard deletes are refused
            es.client.indices.delete(index=name, ignore_unavailable=True)


@pytest.mark.parametrize(("case", "params", "expected"), CASES, ids=[case[0] for case in CASES])
def test_backend_answers_the_case(backend, catalogue, case, params, expected):
    query = ComputeQuery.from_params(params)
    result = backend.search(query)
    reference = NaiveOrmBackend().search(query)

    assert catalogue.names(r["id"] for r in result.results) == expected
    assert result.count == COUNTS.get(case, len(expected))
    assert [r["id"] for r in reference.results] == [r["id"] for r in result.results]
    assert reference.count == result.count
    assert result.facets == reference.facets


def test_facets_count_every_other_filter(catalogue):
    """Disjunctive facets: choosing a vendor keeps the other vendors' counts (under the other filters)."""
    query = ComputeQuery.from_params({"resource_class": "intelligent", "vendor": "NVIDIA", "province": "510000"})
    facets = DatabaseBackend().search(query).facets

    assert facets["vendor"] == [
        {"value": "NVIDIA", "label": "NVIDIA", "count": 2},
        {"value": "Huawei", "label": "Huawei", "count": 1},
    ]
    assert {f["value"]: f["count"] for f in facets["resource_class"]} == {
        "intelligent": 2,
        "supercomputing": 1,
        "edge": 1,
    }
    assert {f["value"]: f["count"] for f in facets["province"]} == {"510000": 2, "130000": 1}
    assert facets["province"][0]["label"] == "四川省"
    assert [(f["value"], f["count"]) for f in facets["price_band"]] == [
        ("0-5", 0),
        ("5-10", 0),
        ("10-20", 2),
        ("20-50", 0),
        ("50-", 0),
    ]
    assert {f["value"]: f["count"] for f in facets["state"]} == {"online": 2}


def test_hits_carry_identifier_provider_site_specs_and_best_line(catalogue):
    query = ComputeQuery.from_params({"user_city": "510100", "sort": "latency", "page_size": "100"})
    hits = {row["id"]: row for row in DatabaseBackend().search(query).results}
    r1 = hits[catalogue.resources["r1"].pk]
    r6 = hits[catalogue.resources["r6"].pk]

    assert r1["identifier"].startswith("CN.510000/A")
    assert r1["url"] == f"/catalog/r/{r1['identifier']}/"
    assert r1["provider"]["name"] == "天府算力科技有限公司"
    assert r1["site"] == {
        "id": catalogue.sites["S1"].pk,
        "name": "天府一号数据中心",
        "province": "510000",
        "province_name": "四川省",
        "city": "510100",
        "city_name": "成都市",
    }
    assert (r1["total_cards"], r1["fp16_tflops_per_card"], r1["price_yuan"]) == (32, "312.00", "12.00")
    assert (r1["state"], r1["state_label"], r1["resource_class_label"]) == ("online", "在线", "智能算力")
    assert r1["price_performance"] == pytest.approx(12 * 1000 / 312, abs=1e-4)
    assert r1["best_line"]["latency_ms"] == "1.50"
    assert r6["best_line"] == {
        "identifier": None,
        "latency_ms": "3.00",
        "bandwidth_mbps": 10000,
        "price_yuan_per_month": "9000.00",
        "kind": "cloud_private_network",
        "kind_label": "云专网",
    }
    r3 = hits[catalogue.resources["r3"].pk]
    assert r3["identifier"] is None and r3["url"] is None  # approved, identifier not issued yet: still listed
    assert r3["best_line"]["latency_ms"] == "25.00"  # the delisted 10 ms line never counts


def test_no_line_from_the_city_still_lists_the_resource(catalogue):
    result = DatabaseBackend().search(ComputeQuery.from_params({"user_city": "130600"}))

    assert result.count == len(VISIBLE)
    assert all(row["best_line"] is None for row in result.results)


def test_hidden_records_never_appear_whatever_the_query(catalogue):
    hidden = set(catalogue.ids("r7", "r8", "r9", "r10"))
    for params in ({}, {"q": "A100"}, {"max_price": "1"}, {"model": A100, "page_size": "100"}):
        for backend in (DatabaseBackend(), NaiveOrmBackend()):
            assert not hidden & {row["id"] for row in backend.search(ComputeQuery.from_params(params)).results}


@pytest.fixture
def offered(catalogue):
    """Live resale offers on r1, r6 and the hidden r7, as the offering app would answer (catalog.offers)."""
    from catalog import offers
    from catalog.models import ComputeResource

    saved = offers._source
    ids = catalogue.ids("r1", "r6", "r7")
    offers.resource_offers_register(
        live_resource_ids=lambda: ComputeResource.objects.filter(pk__in=ids).values_list("pk", flat=True),
        summaries=lambda resource_ids: {},
        offers_of=lambda resource: [],
    )
    yield
    offers._source = saved


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"resale": "1"}, ["r6", "r1"]), ({"resale": "1", "vendor": "NVIDIA", "sort": "-price"}, ["r1", "r6"])],
)
def test_the_resale_filter_keeps_resources_with_live_offers(backend, catalogue, offered, params, expected):
    query = ComputeQuery.from_params(params)
    result = backend.search(query)
    reference = NaiveOrmBackend().search(query)

    assert catalogue.names(r["id"] for r in result.results) == expected  # never the hidden r7
    assert [r["id"] for r in reference.results] == [r["id"] for r in result.results]
    assert result.facets == reference.facets
    assert {f["value"]: f["count"] for f in result.facets["resource_class"]} == {"intelligent": 1, "edge": 1}
