"""The exact Elasticsearch requests of the main cases (no server needed), the mapping, the alias swap."""

from decimal import Decimal
from unittest import mock

import pytest

from search.backends.base import LineChoice
from search.backends.elasticsearch import ElasticsearchBackend, build_search
from search.documents import ComputeResourceDocument
from search.query import ComputeQuery

ORDER = [{"_count": "desc"}, {"_key": "asc"}]
FACET_FIELDS = ["resource_class", "vendor", "model", "province", "cpu_architecture", "state", "price_band", "source"]


def aggs(filters_by_facet: dict) -> dict:
    return {
        facet: {
            "filter": filters_by_facet.get(facet, {"match_all": {}}),
            "aggs": {"values": {"terms": {"field": facet, "order": ORDER, "size": 50}}},
        }
        for facet in FACET_FIELDS
    }


def body(params: dict, lines=None) -> dict:
    return build_search(ComputeQuery.from_params(params), lines=lines or {}, index="node-compute-resources").to_dict()


def test_default_query_filters_published_counts_facets_and_sorts_by_price_then_id():
    assert body({}) == {
        "query": {"bool": {"filter": [{"term": {"published": True}}]}},
        "aggs": aggs({}),
        "sort": [{"price": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}],
        "track_total_hits": True,
        "from": 0,
        "size": 20,
    }


def test_filters_text_and_facet_filters_go_to_query_post_filter_and_other_facets():
    params = {
        "q": "A100 成都",
        "resource_class": "intelligent",
        "vendor": "NVIDIA",
        "city": "510100",
        "min_cards": "16",
        "min_fp16": "300",
        "min_memory_gb": "80",
        "max_price": "20.5",
        "available_now": "1",
        "certified_only": "1",
        "sort": "price_performance_fp16",
        "page": "3",
        "page_size": "10",
    }
    class_term = {"term": {"resource_class": "intelligent"}}
    vendor_term = {"term": {"vendor": "NVIDIA"}}
    both = {"bool": {"filter": [class_term, vendor_term]}}
    assert body(params) == {
        "query": {
            "bool": {
                "filter": [
                    {"term": {"published": True}},
                    {"term": {"city": "510100"}},
                    {"range": {"total_cards": {"gte": 16}}},
                    {"range": {"fp16": {"gte": 300}}},
                    {"range": {"accelerator_memory_gb": {"gte": 80}}},
                    {"range": {"price": {"lte": 20.5}}},
                    {"term": {"available_now": True}},
                    {"term": {"certified": True}},
                ],
                "must": [{"match": {"text": {"query": "A100 成都", "operator": "and"}}}],
            }
        },
        "post_filter": both,
        "aggs": aggs(
            {
                "resource_class": {"bool": {"filter": [vendor_term]}},
                "vendor": {"bool": {"filter": [class_term]}},
                "model": both,
                "province": both,
                "cpu_architecture": both,
                "state": both,
                "price_band": both,
                "source": both,
            }
        ),
        "sort": [{"ppf_fp16": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}],
        "track_total_hits": True,
        "from": 20,
        "size": 10,
    }


def _lines():
    def line(latency, bandwidth):
        return {"identifier": None, "latency_ms": latency, "bandwidth_mbps": bandwidth,
                "price_yuan_per_month": "1000.00", "kind": "dedicated_line", "kind_label": "专线"}  # fmt: skip

    return {
        7: LineChoice(site_id=7, rank=0, line=line("1.50", 10000)),
        3: LineChoice(site_id=3, rank=1, line=line("8.00", 1000)),
        5: LineChoice(site_id=5, rank=2, line=line("30.00", 10000)),
    }


def test_latency_sort_is_a_script_on_site_ranks_and_line_filters_become_site_terms():
    result = body({"user_city": "510100", "max_latency_ms": "10", "sort": "latency"}, lines=_lines())

    assert result["query"] == {"bool": {"filter": [{"term": {"published": True}}, {"terms": {"site_id": [3, 7]}}]}}
    assert result["sort"] == [
        {
            "_script": {
                "type": "number",
                "order": "asc",
                "script": {
                    "lang": "painless",
                    "source": "String site = String.valueOf(doc['site_id'].value); "
                    "return params.ranks.containsKey(site) ? params.ranks.get(site) : params.missing;",
                    "params": {"ranks": {"3": 1, "5": 2, "7": 0}, "missing": 3},
                },
            }
        },
        {"id": {"order": "asc"}},
    ]


def test_bandwidth_filter_without_any_passing_line_matches_nothing():
    result = body({"user_city": "510100", "min_bandwidth_mbps": "100000", "sort": "-price"}, lines=_lines())

    assert result["query"]["bool"]["filter"][-1] == {"terms": {"site_id": []}}
    assert result["sort"][0] == {"price": {"order": "desc", "missing": "_last"}}


def test_available_sort_is_descending():
    assert body({"sort": "available"})["sort"][0] == {"available_units": {"order": "desc", "missing": "_last"}}


def test_mapping_has_keyword_facets_and_cjk_text():
    mapping = ComputeResourceDocument._doc_type.mapping.to_dict()["properties"]

    for field in FACET_FIELDS + ["city", "identifier", "certifications"]:
        assert mapping[field] == {"type": "keyword"}, field
    assert mapping["text"] == {"type": "text", "analyzer": "cjk"}
    assert mapping["name"] == {"type": "text", "analyzer": "cjk", "fields": {"raw": {"type": "keyword"}}}
    assert mapping["price"] == {"type": "double"}


@pytest.mark.django_db
def test_rebuild_fills_a_versioned_index_then_swaps_the_alias_atomically(settings):
    settings.SEARCH_INDEX_PREFIX = "unit"
    client = mock.MagicMock()
    client.indices.exists_alias.return_value = True
    client.indices.get_alias.return_value = {"unit-compute-resources-20260101000000000000": {}}
    backend = ElasticsearchBackend(url="http://search.invalid:9200", client=client)
    with mock.patch("search.backends.elasticsearch.helpers.bulk", return_value=(0, [])) as bulk:
        backend.rebuild()

    created = client.indices.create.call_args.kwargs["index"]
    assert created.startswith("unit-compute-resources-") and created != "unit-compute-resources-20260101000000000000"
    assert bulk.call_count == 1
    client.indices.update_aliases.assert_called_once_with(
        actions=[
            {"remove": {"index": "unit-compute-resources-20260101000000000000", "alias": "unit-compute-resources"}},
            {"add": {"index": created, "alias": "unit-compute-resources"}},
        ]
    )
    client.indices.delete.assert_called_once_with(
        index="unit-compute-resources-20260101000000000000", ignore_unavailable=True
    )


def test_decimals_become_plain_numbers():
    assert body({"min_fp64": "9.70"})["query"]["bool"]["filter"][1] == {"range": {"fp64": {"gte": 9.7}}}
    assert Decimal("9.70") == ComputeQuery.from_params({"min_fp64": "9.70"}).min_fp64


def test_reliability_floor_is_a_range_filter_and_the_price_sort_stays():
    """Sort by price among resources above a reliability floor: a range on the stored figure (unknown
    figures are absent from the document, so they never pass), then price, then id."""
    assert body({"min_reliability": "99.5"}) == {
        "query": {"bool": {"filter": [{"term": {"published": True}}, {"range": {"reliability": {"gte": 99.5}}}]}},
        "aggs": aggs({}),
        "sort": [{"price": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}],
        "track_total_hits": True,
        "from": 0,
        "size": 20,
    }


def test_reliability_sort_puts_the_most_reliable_first_and_unknown_last():
    assert body({"sort": "reliability", "min_reliability": "90"})["sort"] == [
        {"reliability": {"order": "desc", "missing": "_last"}},
        {"id": {"order": "asc"}},
    ]


def test_the_mapping_holds_reliability_as_a_number():
    assert ComputeResourceDocument._doc_type.mapping.to_dict()["properties"]["reliability"] == {"type": "double"}
