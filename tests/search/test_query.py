"""ComputeQuery: built from request parameters in one place; field errors in Chinese; shareable params."""

from decimal import Decimal

import pytest

from search.query import ComputeQuery, QueryError


def test_from_params_parses_every_field():
    query = ComputeQuery.from_params(
        {
            "q": "  A100   成都 ",
            "resource_class": "intelligent",
            "vendor": "NVIDIA",
            "model": "NVIDIA A100 80GB (SXM4)",
            "cpu_architecture": "x86",
            "province": "510000",
            "city": "510100",
            "min_cards": "16",
            "min_fp16": "300.5",
            "min_fp32": "19.5",
            "min_fp64": "9.7",
            "min_memory_gb": "80",
            "max_price": "12",
            "available_now": "true",
            "certified_only": "1",
            "user_city": "510700",
            "max_latency_ms": "5",
            "min_bandwidth_mbps": "1000",
            "sort": "price_performance_fp32",
            "page": "2",
            "page_size": "50",
        }
    )

    assert query.q == "A100 成都" and query.terms == ("A100", "成都")
    assert (query.min_cards, query.min_fp16, query.max_price) == (16, Decimal("300.5"), Decimal("12"))
    assert query.available_now and query.certified_only
    assert query.precision == "fp32" and query.offset == 50


def test_defaults_and_round_trip_of_shareable_params():
    assert ComputeQuery.from_params({}) == ComputeQuery()
    assert ComputeQuery().to_params() == {}
    params = {"vendor": "NVIDIA", "min_fp16": "300.5", "available_now": "1", "sort": "-price", "page": "3"}
    query = ComputeQuery.from_params(params)

    assert query.to_params() == params
    assert ComputeQuery.from_params(query.to_params()) == query


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"resource_class": "quantum"}, "resource_class"),
        ({"cpu_architecture": "mips"}, "cpu_architecture"),
        ({"province": "5100"}, "province"),
        ({"province": "510100"}, "province"),
        ({"city": "chengdu"}, "city"),
        ({"min_cards": "many"}, "min_cards"),
        ({"min_cards": "-1"}, "min_cards"),
        ({"min_fp16": "fast"}, "min_fp16"),
        ({"max_price": "-3"}, "max_price"),
        ({"max_price": "NaN"}, "max_price"),
        ({"available_now": "maybe"}, "available_now"),
        ({"sort": "fastest"}, "sort"),
        ({"sort": "latency"}, "user_city"),
        ({"max_latency_ms": "5"}, "user_city"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"q": "x" * 101}, "q"),
        ({"price_band": "5-7"}, "price_band"),
        ({"min_reliability": "101"}, "min_reliability"),
        ({"min_reliability": "-1"}, "min_reliability"),
        ({"min_reliability": "high"}, "min_reliability"),
        ({"min_reliability": "Infinity"}, "min_reliability"),
    ],
)
def test_bad_parameters_are_field_errors_in_chinese(params, field):
    with pytest.raises(QueryError) as caught:
        ComputeQuery.from_params(params)

    assert list(caught.value.errors) == [field]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in caught.value.errors[field])


def test_several_bad_parameters_are_reported_together():
    with pytest.raises(QueryError) as caught:
        ComputeQuery.from_params({"min_fp16": "x", "sort": "y", "page": "z"})

    assert set(caught.value.errors) == {"min_fp16", "sort", "page"}


def test_price_band_keys_are_the_documents_bands():
    from search.documents import PRICE_BANDS
    from search.query import PRICE_BAND_KEYS

    assert tuple(key for key, _low, _high in PRICE_BANDS) == PRICE_BAND_KEYS
    assert ComputeQuery.from_params({"price_band": "50-"}).to_params() == {"price_band": "50-"}


def test_min_reliability_is_a_percent_and_round_trips():
    query = ComputeQuery.from_params({"min_reliability": "99.5", "sort": "reliability"})

    assert (query.min_reliability, query.sort) == (Decimal("99.5"), "reliability")
    assert query.to_params() == {"min_reliability": "99.5", "sort": "reliability"}
