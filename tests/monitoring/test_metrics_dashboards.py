"""Dashboards: who sees what (operators everything, the communications administration its jurisdiction,
everyone else 404), chart data, drill-down, CSV/XLSX export, live headline figures, and /metrics."""

import io

import pytest
from openpyxl import load_workbook

from monitoring.metrics import observe_search_latency, websocket_connected, websocket_disconnected
from monitoring.metrics.rollup import resource_rollup
from tests.factories import AuthorityFactory

from .metrics_helpers import a100_resource, push, sh

pytestmark = pytest.mark.django_db
DAYS = {"granularity": "day", "date_from": "2026-03-01", "date_to": "2026-03-03"}
MARCH_2 = sh(2026, 3, 2).isoformat()


@pytest.fixture
def activity():
    chengdu = a100_resource(external_id="CD-1", name="成都 A100 集群")  # 32 cards, 16 available now
    hebei = a100_resource(city="130100", nodes=2, external_id="HB-1", name="石家庄 A100 集群")  # 16 cards
    push(chengdu, (sh(2026, 3, 2, 10, 0), 16), (sh(2026, 3, 2, 11, 0), 16))
    push(hebei, (sh(2026, 3, 2, 10, 30), 4))
    resource_rollup()
    return chengdu, hebei


@pytest.fixture
def regulator_client(client, make_user, sichuan_comms):
    client.force_login(make_user("provincial_reviewer", authority=sichuan_comms))
    return client


def test_operator_dashboard_page_and_chart_data(operator_client, activity):
    page = operator_client.get("/monitoring/", DAYS)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart-url="/monitoring/charts/capacity_cards/?' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "<script>" not in html
    data = operator_client.get("/monitoring/charts/capacity_cards/", DAYS).json()
    assert data["labels"] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert data["keys"][1] == MARCH_2
    assert [s["values"] for s in data["series"]] == [[None, 48.0, None], [None, 20.0, None]]
    by_province = operator_client.get("/monitoring/charts/by_province/", DAYS).json()
    assert by_province["labels"] == ["河北省", "四川省"]
    assert by_province["series"][0]["values"] == [16.0, 32.0]


def test_drill_down_lists_the_resources_behind_a_point(operator_client, activity):
    rows = operator_client.get("/monitoring/charts/capacity_cards/drill/", {**DAYS, "key": MARCH_2}).json()["rows"]
    assert [(row[0], row[5], row[6]) for row in rows] == [
        ("成都 A100 集群", 32.0, 16.0),
        ("石家庄 A100 集群", 16.0, 4.0),
    ]
    hebei = operator_client.get("/monitoring/charts/by_province/drill/", {**DAYS, "key": "130000"}).json()
    assert [row[0] for row in hebei["rows"]] == ["石家庄 A100 集群"]
    bad = operator_client.get("/monitoring/charts/capacity_cards/drill/", {**DAYS, "key": "yesterday"})
    assert bad.status_code == 400 and "key" in bad.json()["errors"]


def test_chart_exports_as_csv_and_xlsx(operator_client, activity):
    response = operator_client.get("/monitoring/charts/capacity_cards/", {**DAYS, "format": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="capacity_cards-day-')
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "时段/分组,装机加速卡（张）,可用加速卡（张）"
    assert lines[2] == "2026-03-02,48.0,20.0"
    response = operator_client.get("/monitoring/charts/by_province/", {**DAYS, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["时段/分组", "装机加速卡（张）", "可用加速卡（张）"],
        ["河北省", 16, 4],
        ["四川省", 32, 16],
    ]
    drill = operator_client.get("/monitoring/charts/capacity_cards/drill/", {**DAYS, "key": MARCH_2, "format": "csv"})
    assert "成都 A100 集群" in drill.content.decode("utf-8-sig")


def test_drill_down_exports_escape_names_a_spreadsheet_would_run(operator_client, activity):
    """A provider names its resource like a formula; the export must not hand it to a spreadsheet to run."""
    chengdu, _hebei = activity
    type(chengdu).objects.filter(pk=chengdu.pk).update(name='=HYPERLINK("http://x")')
    query = {**DAYS, "key": MARCH_2}
    csv_text = operator_client.get("/monitoring/charts/capacity_cards/drill/", {**query, "format": "csv"})
    assert "'=HYPERLINK" in csv_text.content.decode("utf-8-sig")
    xlsx = operator_client.get("/monitoring/charts/capacity_cards/drill/", {**query, "format": "xlsx"})
    values = [cell.value for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://x")' in values and '=HYPERLINK("http://x")' not in values


def test_bad_filters_are_field_errors(operator_client, activity):
    response = operator_client.get("/monitoring/charts/capacity_cards/", {**DAYS, "date_to": "2026-02-01"})
    assert response.status_code == 400
    assert response.json()["errors"]["date_to"] == ["结束日期不能早于开始日期。"]
    hourly = operator_client.get(
        "/monitoring/charts/capacity_cards/", {**DAYS, "granularity": "hour", "date_to": "2026-04-30"}
    )
    assert hourly.status_code == 400 and "date_to" in hourly.json()["errors"]


def test_regulator_sees_only_their_jurisdiction(regulator_client, activity):
    page = regulator_client.get("/monitoring/", DAYS)
    assert page.status_code == 200 and "监管视图" in page.content.decode()
    by_province = regulator_client.get("/monitoring/charts/by_province/", DAYS).json()
    assert by_province["labels"] == ["四川省"]
    series = regulator_client.get("/monitoring/charts/capacity_cards/", DAYS).json()["series"]
    assert series[0]["values"][1] == 32.0
    hebei = regulator_client.get("/monitoring/charts/by_province/drill/", {**DAYS, "key": "130000"}).json()
    assert hebei["rows"] == []
    assert regulator_client.get("/monitoring/charts/api/", DAYS).status_code == 404  # operators' figures
    headline = regulator_client.get("/monitoring/headline/").json()
    assert (headline["resources"], headline["installed_cards"], headline["available_cards"]) == (1, 32, 16)
    assert "api_requests_last_hour" not in headline


def test_everyone_else_gets_404(client, make_user, activity):
    assert client.get("/monitoring/").status_code == 404
    industry = AuthorityFactory(
        name="四川省经济和信息化厅", level="province", department="industry_it", division_id="510000"
    )
    for user in (make_user("provider"), make_user("provincial_reviewer", authority=industry), make_user("applicant")):
        client.force_login(user)
        for url in (
            "/monitoring/",
            "/monitoring/headline/",
            "/monitoring/charts/capacity_cards/",
            "/monitoring/national/",
        ):
            assert client.get(url).status_code == 404, (user, url)


def test_headline_for_operators(operator_client, activity):
    figures = operator_client.get("/monitoring/headline/").json()
    assert (figures["resources"], figures["installed_cards"], figures["available_cards"]) == (2, 48, 32)
    assert figures["online_rate_percent"] == 100.0 and figures["utilisation_percent"] == 33.3
    assert "api_requests_last_hour" in figures


def test_prometheus_endpoint_is_protected(operator, settings):
    from django.test import Client

    client, operator_client = Client(), Client()
    operator_client.force_login(operator)
    settings.METRICS_SCRAPE_TOKEN = "scrape-secret"
    observe_search_latency(0.042)
    websocket_connected()
    websocket_connected()
    websocket_disconnected()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    body = response.content.decode()
    for name in (
        "node_http_request_duration_seconds_bucket",
        "node_search_latency_seconds_count",
        "node_websocket_connections",
        "node_outbox_oldest_pending_seconds",
    ):
        assert name in body
    assert operator_client.get("/metrics").status_code == 200


def test_prometheus_token_is_off_when_unset(client, settings):
    settings.METRICS_SCRAPE_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_prometheus_shows_how_far_the_rollup_is_behind(operator_client):
    from monitoring.metrics.rollup import resource_rollup

    from .metrics_helpers import a100_resource, push, sh

    push(a100_resource(), (sh(2026, 3, 2, 10, 0), 16), (sh(2026, 3, 2, 11, 0), 8))
    body = operator_client.get("/metrics").content.decode()
    assert "node_metrics_rollup_backlog 2.0" in body
    assert "node_metrics_rollup_lag_seconds" in body
    resource_rollup()
    body = operator_client.get("/metrics").content.decode()
    assert "node_metrics_rollup_backlog 0.0" in body and "node_metrics_rollup_lag_seconds 0.0" in body
