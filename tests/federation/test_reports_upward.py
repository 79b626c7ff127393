"""Reports upward through the tiers: an industry node's daily report reaches its regional node (signed,
its own only), the regional node's report carries it as a per-node breakdown, and the national
aggregate shows the industry node under its regional node and counts it in the totals."""

import datetime

import pytest

from monitoring.models import ReceivedReport
from monitoring.reports import national_aggregate, report_build
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
URL = "/api/v1/federation/reports/operations/"
DAY = datetime.date(2026, 3, 2)


def industry_report() -> dict:
    return {
        "schema_version": 1,
        "report": "daily_operation",
        "date": DAY.isoformat(),
        "node": {"prefix": "CN.510000.C15", "role": "industry", "name": "酒的制造业行业节点"},
        "resource": {"resources": 2, "installed_cards": 64, "available_cards": 16, "by_province": []},
        "platform": {"identifiers_issued": 2},
        "scheduling": None,
        "application": {"app_calls": 7},
    }


def test_industry_report_reaches_the_regional_node_and_the_national_aggregate_per_node(settings, client, make_user):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "regional", "CN.510000", ""
    liquor = enrol(segment="C15", name="酒的制造业行业节点")
    assert liquor.post(client, URL, industry_report(), key=f"operation_report:CN.510000.C15:{DAY}").status_code == 201
    client.force_login(make_user("node_operator"))
    page = client.get("/monitoring/national/", {"date": DAY.isoformat()}).content.decode()
    assert "CN.510000.C15" in page and "本省行业节点汇总" in page  # the regional node's dashboards show it

    regional_report = report_build(day=DAY)
    assert [(n["prefix"], n["resource"]["installed_cards"]) for n in regional_report["nodes"]] == [
        ("CN.510000.C15", 64)
    ]

    # the national node (another database in reality: the industry row stays on the regional node)
    ReceivedReport.objects.all().delete()
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "national", "CN"
    sichuan = enrol(segment="510000", name="四川省区域节点")
    response = sichuan.post(client, URL, regional_report, key=f"operation_report:CN.510000:{DAY}")
    assert response.status_code == 201, response.json()
    aggregate = national_aggregate(day=DAY)
    rows = [(n["prefix"], n["via"]) for n in aggregate["nodes"]]
    assert rows == [("CN.510000", ""), ("CN.510000.C15", "CN.510000")]
    own_cards = regional_report["resource"]["installed_cards"] or 0
    assert aggregate["totals"]["installed_cards"] == own_cards + 64
    assert aggregate["totals"]["app_calls"] == (regional_report["application"]["app_calls"] or 0) + 7
    page = client.get("/monitoring/national/", {"date": DAY.isoformat()}).content.decode()
    assert "CN.510000.C15" in page and "全国汇总" in page
