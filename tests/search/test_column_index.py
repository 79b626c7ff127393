"""The columnar index (search/backends/database/) against brute force on synthetic rows, without a
database: the documents it assembles, sort orders (also when patched after changes), pages of small
and large selections, the latency order, facet counts (joint codes, complements) and free text."""

import json
import random
from collections import Counter
from decimal import Decimal

import numpy as np
import pytest

from search.backends.base import FACETS, SORT_FIELDS, LineChoice
from search.backends.database import FETCH, ColumnIndex
from search.documents import resource_document

SITES = {site: (f"数据中心{site} 二期", "四川省" if site % 2 else "河北省", f"城市{site}") for site in range(1, 13)}
PROVIDERS = {1: "天府算力科技有限公司", 2: "燕赵智算有限公司", 3: "Example Compute Ltd"}
MODELS = [("", ""), ("NVIDIA", "NVIDIA A100 80GB"), ("NVIDIA", "NVIDIA H20"), ("Huawei", "Ascend 910B")]
FIGURES = (None, Decimal("0"), Decimal("19.50"), Decimal("312.00"), Decimal("9.70"))
CERTIFICATIONS = ["[]", '["等保三级"]', '["等保三级", "ISO 27001"]']
TERMS = ["a100", "集群1", "infiniband", "等保", "iso", "cn.510000/a000001", "二期", "四川", "燕赵", "x86", "h20", "zz"]


def synthetic_rows(rng: random.Random, ids) -> dict[str, tuple]:
    """Rows as the index reads them (FETCH columns), with NULLs, ties and hidden records."""
    rows = []
    for pk in ids:
        vendor, model = rng.choice(MODELS)
        site = rng.choice(list(SITES))
        figures = [rng.choice(FIGURES) for _ in range(3)]
        price = rng.choice((Decimal("12.00"), Decimal(f"{rng.uniform(0, 80):.2f}")))
        identified = rng.random() < 0.8
        row = {
            "id": pk,
            "name": rng.choice((f"{model or '通用计算'}集群{pk}", f"A100 训练 {pk}", f"推理{pk}")),
            "description": rng.choice(("", "InfiniBand 高速互联", "低时延边缘推理")),
            "provider_id": rng.choice(list(PROVIDERS)),
            "site_id": site,
            "province_code": "510000" if site % 2 else "130000",
            "city_code": f"51{site:02d}00",
            "resource_class": rng.choice(("intelligent", "general", "supercomputing", "edge")),
            "accelerator_vendor": vendor,
            "accelerator_model": model,
            "accelerators_per_node": rng.choice((0, 1, 8)),
            "node_count": rng.choice((1, 2, 4)),
            "cpu_architecture": rng.choice(("x86", "arm", "c86")),
            "vcpus_per_node": rng.choice((None, 64)),
            "memory_gb_per_node": rng.choice((None, 512)),
            "accelerator_memory_gb": rng.choice((None, 0, 80)),
            "fp16_tflops_per_card": figures[0],
            "fp32_tflops_per_card": figures[1],
            "fp64_tflops_per_card": figures[2],
            "billing_unit": rng.choice(("card_hour", "node_hour", "vcpu_hour")),
            "price_yuan": price,
            "available_units": rng.choice((0, 0, 3, 16)),
            "state": rng.choice(("online", "offline", "maintenance")),
            "certifications": rng.choice(CERTIFICATIONS),
            "listing_state": rng.choice(("approved",) * 8 + ("pending", "delisted")),
            "identifier__code": f"CN.510000/A{pk:08d}K" if identified else None,
            "identifier__state": rng.choice(("active",) * 8 + ("suspended", "revoked")) if identified else None,
            "reliability": rng.choice((None, Decimal("99.50"), Decimal("97.25"), Decimal("99.50"), Decimal("80.00"))),
            "taken_units": rng.choice((0, 0, 2, 20)),  # held + allocated: free units are what is left
        }
        rows.append(tuple(row[name] for name in FETCH))
    return dict(zip(FETCH, zip(*rows, strict=True), strict=True))


def row_dicts(columns: dict[str, tuple]) -> list[dict]:
    """The same rows as ``search.documents.resource_rows`` gives them (ROW_FIELDS)."""
    out = []
    for values in zip(*(columns[name] for name in FETCH), strict=True):
        row = dict(zip(FETCH, values, strict=True))
        row["certifications"] = json.loads(row["certifications"])
        row["reliability__score_percent"] = row.pop("reliability")
        row["available_units"] = max(row["available_units"] - row.pop("taken_units"), 0)  # free units
        site_name, province_name, city_name = SITES[row["site_id"]]
        row.update(
            {
                "provider__organization__name": PROVIDERS[row["provider_id"]],
                "site__name": site_name,
                "site__province__name_zh": province_name,
                "site__city__name_zh": city_name,
            }
        )
        out.append(row)
    return out


def make_index(columns: dict[str, tuple], chunk: int = 700) -> ColumnIndex:
    index = ColumnIndex()
    index.sites, index.providers = dict(SITES), dict(PROVIDERS)
    for start in range(0, len(columns["id"]), chunk):
        index.put({name: values[start : start + chunk] for name, values in columns.items()})
    index.build_text_index()
    return index


def reference_order(documents: list[dict], sort: str) -> list[int]:
    """Ids in ``sort`` order, ties by id, unknown (None) last."""
    field, descending = SORT_FIELDS[sort]

    def key(document):
        value = document[field]
        if value is None:
            return (1, 0, document["id"])
        return (0, -value if descending else value, document["id"])

    return [document["id"] for document in sorted(documents, key=key)]


def all_documents(index: ColumnIndex) -> list[dict]:
    return index.documents(np.arange(index.size))


def ids_of(index: ColumnIndex, positions) -> list[int]:
    return index.column("id")[np.asarray(positions, dtype=np.int64)].tolist()


def random_mask(rng: random.Random, size: int, density: float) -> np.ndarray:
    return np.array([rng.random() < density for _ in range(size)], dtype=np.bool_)


def check_pages(index: ColumnIndex, rng: random.Random) -> None:
    documents = {document["id"]: document for document in all_documents(index)}
    for sort in SORT_FIELDS:
        for density in (0.01, 0.05, 0.4, 0.95):
            mask = random_mask(rng, index.size, density)
            chosen = [documents[pk] for pk in ids_of(index, np.flatnonzero(mask))]
            expected = reference_order(chosen, sort)
            for start, stop in ((0, 20), (20, 40), (len(expected) - 5, len(expected) + 15), (0, 100)):
                start = max(start, 0)
                got = ids_of(index, index.page(sort, mask, len(expected), start, stop))
                assert got == expected[start:stop], (sort, density, start)


@pytest.fixture
def columns():
    return synthetic_rows(random.Random(7), range(1, 3001))


def test_documents_are_what_resource_document_makes_of_each_row(columns):
    index = make_index(columns)

    assert all_documents(index) == [resource_document(row) for row in row_dicts(columns)]


def test_pages_follow_every_sort_with_ties_by_id_for_small_and_large_selections(columns):
    check_pages(make_index(columns), random.Random(1))


def test_sort_orders_are_patched_after_changes_and_stay_exact(columns):
    index = make_index(columns)
    index.warm()
    rng = random.Random(2)
    changed = rng.sample(range(1, 3001), 40)
    index.put(synthetic_rows(random.Random(3), changed))  # existing rows: new prices, states, texts
    index.put(synthetic_rows(random.Random(4), range(3001, 3011)))  # new rows
    index.drop({changed[0], changed[1]})

    assert any(order.pending for order in index._orders.values())  # patched when next used
    check_pages(index, rng)
    for sort in SORT_FIELDS:
        fresh = ColumnIndex()
        fresh.columns, fresh.size = index.columns, index.size
        assert index.order(sort).tolist() == fresh.order(sort).tolist()


def test_rows_loaded_out_of_id_order_are_found_by_id(columns):
    shuffled = list(zip(*(columns[name] for name in FETCH), strict=True))
    random.Random(5).shuffle(shuffled)
    index = make_index(dict(zip(FETCH, zip(*shuffled, strict=True), strict=True)))
    index.put(synthetic_rows(random.Random(6), [17, 2999]))

    documents = {document["id"]: document for document in all_documents(index)}
    assert len(documents) == 3000
    expected = {row["id"]: resource_document(row) for row in row_dicts(synthetic_rows(random.Random(6), [17, 2999]))}
    assert documents[17] == expected[17] and documents[2999] == expected[2999]
    check_pages(index, random.Random(8))


def test_latency_order_is_by_the_sites_line_rank_then_id(columns):
    index = make_index(columns)
    documents = all_documents(index)
    rng = random.Random(9)
    lined = rng.sample(list(SITES), 5)
    lines = {site: LineChoice(site_id=site, rank=rank, line={}) for rank, site in enumerate(lined)}
    for density in (0.02, 0.5):
        mask = random_mask(rng, index.size, density)
        chosen = [documents[position] for position in np.flatnonzero(mask).tolist()]
        expected = [
            document["id"]
            for document in sorted(
                chosen, key=lambda d: (lines[d["site_id"]].rank if d["site_id"] in lines else len(lines), d["id"])
            )
        ]
        for start, stop in ((0, 20), (40, 60), (len(expected) - 3, len(expected) + 17)):
            got = ids_of(index, index.latency_page(mask, len(expected), lines, start, stop))
            assert got == expected[start:stop]
    assert ids_of(index, index.site_mask([lined[0], 999]).nonzero()[0]) == [
        document["id"] for document in documents if document["site_id"] == lined[0]
    ]


def test_facet_counts_of_any_selection(columns):
    index = make_index(columns)
    documents = all_documents(index)
    rng = random.Random(10)
    names = [column for column, _own in FACETS.values()]
    for density in (0.1, 0.5, 0.9, 1.0):
        mask = random_mask(rng, index.size, density)
        for wanted in (names, names[:3], ["vendor"], ["state", "price_band"]):
            counted = index.facet_counts(mask, int(mask.sum()), wanted)
            for name in wanted:
                expected = Counter(documents[p][name] or "" for p in np.flatnonzero(mask).tolist())
                got = {index.values[name][code]: int(n) for code, n in enumerate(counted[name]) if n}
                assert got == dict(expected), (density, name)


def test_text_terms_match_inside_one_token_of_the_document_text(columns):
    index = make_index(columns)

    def check():
        documents = all_documents(index)
        for term in TERMS:
            expected = [any(term in token for token in d["text"].lower().split()) for d in documents]
            assert index.text_mask(term).tolist() == expected, term

    check()
    renamed = synthetic_rows(random.Random(11), [5, 6, 7])
    renamed["name"] = ("zz 新名字", "另一个 ZZ", "A100集群1")
    index.put(renamed)  # rows changed after the joined text was built: checked one by one
    index.put(synthetic_rows(random.Random(12), [3001, 3002]))
    index.sites[1] = ("改名的 ZZ 中心", "四川省", "成都市")  # a site renamed (its rows are refreshed)
    index._changed(None)
    check()
