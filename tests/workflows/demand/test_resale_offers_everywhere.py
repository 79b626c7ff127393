"""Resale offers wherever a buyer compares compute, beyond the rows of /catalog/ and /select/: each hit of the
public search API carries its offer summary (documented in the schema), the selection's CSV export has a
转售报价 column and the compare page a 转售报价 row. Same rule as the pages' summaries: live offers only, the
lowest price in the resource's own billing unit (never compared across units), one query per page."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services import identifier_issue
from tests.catalog.factories import ComputeResourceFactory
from tests.workflows.demand.resellers import qualified_reseller
from tests.workflows.demand.test_resale_catalog import _publish
from workflows.onboarding.models import ResellerQualification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_index")]

API = "/api/v1/search/resources/"
EXPORT = "/select/export.csv"
COMPARE = "/select/compare/"


@pytest.fixture
def reseller(market):
    return qualified_reseller(number="ZS-2026-0161", customer_name="某客户", name="蜀道转售调度有限公司")


@pytest.fixture
def offers(market, codes, reseller):
    """Chengdu: 13.80 and 14.50 per card-hour (and 90 per node-hour, never compared with them); Mianyang: 14.50."""
    both = _publish(reseller, [codes["chengdu"], codes["mianyang"]])
    cheap = _publish(reseller, [codes["chengdu"]], price="13.8", title="成都 A100 低价转售")
    node = _publish(reseller, [codes["chengdu"]], price="9", title="成都整机转售", unit="node_hour")
    return both, cheap, node


def _hits(client, **params) -> dict[str, dict]:
    response = client.get(API, {"page_size": "100", **params})
    assert response.status_code == 200
    return {hit["name"]: hit for hit in response.json()["results"]}


def _export(client, path=EXPORT, **params) -> tuple[list[str], dict[str, dict]]:
    response = client.get(path, params)
    assert response.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return header, {row[1]: dict(zip(header, row, strict=True)) for row in rows}


def _compare_cells(client, market, path=COMPARE) -> list[str]:
    """The cells of the compare page's 转售报价 row for Chengdu, Mianyang, Hebei (in that order)."""
    ids = [market.resources[key].pk for key in ("chengdu", "mianyang", "hebei")]
    response = client.get(path, {"ids": ids})
    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index('<tr class="cmp-offers">') :]
    row = row[: row.index("</tr>")]
    return [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]


def test_each_api_hit_carries_its_offer_summary_or_null(client, market, codes, offers):
    hits = _hits(client)
    chengdu = hits[market.resources["chengdu"].name]["resale_offers"]
    assert chengdu == {
        "count": 3,
        "lowest_price_yuan": "13.80",  # the resource's own unit (card-hour), not the 9.00 per node-hour
        "billing_unit": "card_hour",
        "billing_unit_label": "元/卡·时",
        "url": "/resale/?resource=" + codes["chengdu"].replace("/", "%2F"),
    }
    assert hits[market.resources["mianyang"].name]["resale_offers"]["count"] == 1
    assert hits[market.resources["mianyang"].name]["resale_offers"]["lowest_price_yuan"] == "14.50"
    assert hits[market.resources["hebei"].name]["resale_offers"] is None
    # the link lists exactly those offers, publicly
    listed = client.get(chengdu["url"]).content.decode()
    assert "A100 包月转售" in listed and "成都 A100 低价转售" in listed and "成都整机转售" in listed


def test_an_offer_only_in_another_unit_is_shown_in_that_unit(client, market, codes, reseller):
    _publish(reseller, [codes["hebei"]], price="88", title="石家庄整机转售", unit="node_hour")
    hit = _hits(client)[market.resources["hebei"].name]
    assert (hit["billing_unit"], hit["price_yuan"]) == ("card_hour", "8.00")  # the provider's own price
    assert hit["resale_offers"]["lowest_price_yuan"] == "88.00"
    assert hit["resale_offers"]["billing_unit"] == "node_hour"
    _header, rows = _export(client)
    assert rows[market.resources["hebei"].name]["转售报价"] == "1 个，最低 ¥88.00/节点·时"


def test_the_hit_field_is_documented_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    field = components["SearchHit"]["properties"]["resale_offers"]
    assert field.get("nullable") is True
    assert "转售报价" in field["description"]
    ref = next(item["$ref"] for item in field["allOf"]).rsplit("/", 1)[1]
    offers = components[ref]["properties"]
    assert set(offers) == {"count", "lowest_price_yuan", "billing_unit", "billing_unit_label", "url"}
    assert "不同计费单位之间从不比较" in offers["lowest_price_yuan"]["description"]
    assert "resale_offers" in components["SearchHit"]["required"]


def test_the_export_has_a_resale_offers_column(client, market, offers):
    header, rows = _export(client)
    assert header[-1] == "转售报价"
    assert rows[market.resources["chengdu"].name]["转售报价"] == "3 个，最低 ¥13.80/卡·时"
    assert rows[market.resources["mianyang"].name]["转售报价"] == "1 个，最低 ¥14.50/卡·时"
    assert rows[market.resources["hebei"].name]["转售报价"] == ""


def test_the_compare_page_has_a_resale_offers_row(client, market, codes, offers):
    chengdu, mianyang, hebei = _compare_cells(client, market)
    href = "/resale/?resource=" + codes["chengdu"].replace("/", "%2F")
    assert chengdu == f'<a class="offer-summary" href="{href}">3 个，最低 ¥13.80/卡·时</a>'
    assert "1 个，最低 ¥14.50/卡·时" in mianyang
    assert hebei == "暂无"


@pytest.mark.parametrize("lapse", ["expired", "revoked"])
def test_a_lapsed_or_revoked_qualification_removes_the_summary_everywhere(client, market, reseller, offers, lapse):
    qualification = ResellerQualification.objects.filter(pk=reseller.qualification.pk)
    if lapse == "expired":
        qualification.update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    else:
        qualification.update(revoked_at=timezone.now())
    assert {hit["resale_offers"] for hit in _hits(client).values()} == {None}
    _header, rows = _export(client)
    assert {row["转售报价"] for row in rows.values()} == {""}
    assert _compare_cells(client, market) == ["暂无", "暂无", "暂无"]


def test_english(client, market, offers):
    cells = _compare_cells(client, market, path="/en" + COMPARE)
    assert "3 offers, from ¥13.80/card·hour" in cells[0] and cells[2] == "None yet"
    page = client.get("/en" + COMPARE, {"ids": [market.resources["chengdu"].pk, market.resources["hebei"].pk]})
    assert "Resale offers" in page.content.decode() and "转售" not in page.content.decode()
    header, rows = _export(client, path="/en" + EXPORT)
    assert header[-1] == "Resale offers"
    assert rows[market.resources["mianyang"].name]["Resale offers"] == "1 offer, from ¥14.50/card·hour"


def _queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_page(client, market, codes, reseller, offers):
    client.get(API)  # the index is built and warm
    ids = lambda n: [market.resources[key].pk for key in ("chengdu", "mianyang", "hebei")][:n]  # noqa: E731
    before = {
        API: _queries(client, API, {"page_size": "100"}),
        EXPORT: _queries(client, EXPORT, {"page_size": "100"}),
        COMPARE: _queries(client, COMPARE, {"ids": ids(2)}),
    }
    provider, site = market.providers["chengdu"], market.resources["chengdu"].site
    extra = []
    for number in range(8):
        resource = ComputeResourceFactory(site=site, provider=provider, name=f"追加资源 {number}")
        _publish(reseller, [identifier_issue(record=resource, actor=None).code], price=str(20 + number))
        extra.append(resource.pk)
    client.get(API)
    hits = _hits(client)
    assert sum(1 for hit in hits.values() if hit["resale_offers"]) == 10  # 8 new rows, Chengdu and Mianyang
    assert _queries(client, API, {"page_size": "100"}) == before[API]
    assert _queries(client, EXPORT, {"page_size": "100"}) == before[EXPORT]
    assert _queries(client, COMPARE, {"ids": ids(2) + extra[:2]}) == before[COMPARE]
