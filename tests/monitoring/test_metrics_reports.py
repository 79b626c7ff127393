"""Reports upward: the outbox message, the national endpoint (aggregation of several regional nodes,
idempotent re-delivery, corrections, refusals) and a loopback delivery that survives an outage."""

import copy
import datetime

import pytest
from django.utils import timezone

from federation.models import OutboxMessage
from federation.services import outbox_drain
from monitoring.models import ReceivedReport
from monitoring.reports import REPORT_PATH, national_aggregate, report_enqueue
from tests.federation.signed import enrol

from .metrics_helpers import a100_resource, push, sh

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)
URL = "/api/v1/federation/reports/operations/"


def _report(prefix: str, *, resources: int, cards: int, available: int, online: float, issued: int) -> dict:
    return {
        "schema_version": 1,
        "report": "daily_operation",
        "date": "2026-03-02",
        "timezone": "Asia/Shanghai",
        "node": {"prefix": prefix, "role": "regional", "name": f"节点 {prefix}"},
        "period": {"start": "2026-03-02T00:00:00+08:00", "end": "2026-03-03T00:00:00+08:00"},
        "generated_at": "2026-03-03T00:10:00+08:00",
        "resource": {
            "resources": resources,
            "installed_cards": cards,
            "available_cards": available,
            "utilisation_percent": round(100 * (cards - available) / cards, 2),
            "online_rate_percent": online,
            "state_changes": 1,
            "installed_pflops": {"fp16": cards * 0.312, "fp32": 0, "fp64": 0},
            "available_pflops": {"fp16": 0, "fp32": 0, "fp64": 0},
            "by_province": [
                {
                    "province_code": prefix[3:],
                    "resources": resources,
                    "installed_cards": cards,
                    "available_cards": available,
                }
            ],
            "by_class": [],
        },
        "platform": {"identifiers_issued": issued, "identifier_resolutions": 10, "identifier_resolutions_ok": 9},
        "scheduling": None,
        "application": {"app_services_new": 0, "app_calls": 100, "app_users": 5, "app_services_listed": 2},
    }


@pytest.fixture
def national(settings):
    settings.NODE_ROLE = "national"
    settings.NODE_IDENTIFIER_PREFIX = "CN"
    return {"CN.510000": enrol(segment="510000"), "CN.130000": enrol(segment="130000")}


def _post(client, payload, key, nodes):
    """A signed delivery by the node whose report it is."""
    return nodes[payload["node"]["prefix"]].post(client, URL, payload, key=key)


def test_national_node_aggregates_two_regional_reports(national, client, make_user):
    sichuan = _report("CN.510000", resources=10, cards=800, available=200, online=90.0, issued=3)
    hebei = _report("CN.130000", resources=30, cards=400, available=300, online=100.0, issued=5)
    assert _post(client, sichuan, "operation_report:CN.510000:2026-03-02", national).status_code == 201
    response = _post(client, hebei, "operation_report:CN.130000:2026-03-02", national)
    assert response.status_code == 201 and response.json()["outcome"] == "created"
    totals = national_aggregate(day=DAY)["totals"]
    assert (totals["resources"], totals["installed_cards"], totals["available_cards"]) == (40, 1200, 500)
    assert totals["identifiers_issued"] == 8 and totals["app_calls"] == 200
    assert totals["utilisation_percent"] == round((75.0 * 800 + 25.0 * 400) / 1200, 2)  # card-weighted
    assert totals["online_rate_percent"] == 97.5  # resource-weighted: (90×10 + 100×30) / 40
    assert totals["resolution_success_percent"] == 90.0
    assert [row["province_code"] for row in national_aggregate(day=DAY)["by_province"]] == ["130000", "510000"]
    client.force_login(make_user("node_operator"))
    page = client.get("/monitoring/national/", {"date": "2026-03-02"})
    assert page.status_code == 200
    assert '<dd data-total="installed_cards">1200</dd>' in page.content.decode()


def test_redelivery_is_idempotent_and_a_correction_replaces(national, client):
    first = _report("CN.510000", resources=10, cards=800, available=200, online=90.0, issued=3)
    key = "operation_report:CN.510000:2026-03-02"
    receipt = _post(client, first, key, national).json()["receipt"]
    again = _post(client, first, key, national)  # same key, same body: a re-delivery
    assert again.status_code == 200 and again.json() == {**again.json(), "receipt": receipt, "outcome": "duplicate"}
    changed = copy.deepcopy(first)
    changed["resource"]["installed_cards"] = 999
    assert _post(client, changed, key, national).status_code == 409  # same key, other body: a conflict
    assert ReceivedReport.objects.get().payload["resource"]["installed_cards"] == 800
    corrected = _post(client, changed, key + ":r2", national)
    assert corrected.status_code == 201 and corrected.json()["outcome"] == "replaced"
    report = ReceivedReport.objects.get()
    assert (report.payload["resource"]["installed_cards"], report.deliveries) == (999, 2)


def test_endpoint_refusals(national, client, settings):
    report = _report("CN.510000", resources=1, cards=8, available=8, online=100.0, issued=0)
    assert national["CN.130000"].post(client, URL, report, key="k1").status_code == 403  # another node's report
    assert client.post(URL, report, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 401
    bad = {**report, "schema_version": 99, "date": "2 March"}
    response = _post(client, bad, "k2", national)
    assert response.status_code == 400 and set(response.json()) == {"schema_version", "date"}
    assert _post(client, report, "", national).status_code == 400
    settings.NODE_ROLE = "industry"
    assert _post(client, report, "k3", national).status_code == 404
    assert ReceivedReport.objects.count() == 0


def test_report_is_queued_once_per_day_and_resent_on_demand(settings):
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    resource = a100_resource()
    push(resource, (sh(2026, 3, 2, 10), 8))
    from monitoring.metrics.rollup import resource_rollup

    resource_rollup()
    message = report_enqueue(day=DAY)
    assert (message.kind, message.path, message.idempotency_key) == (
        "operation_report",
        REPORT_PATH,
        "operation_report:CN.510000:2026-03-02",
    )
    assert message.payload["resource"]["installed_cards"] == 32.0
    assert message.payload["resource"]["available_cards"] == 8.0
    assert message.payload["resource"]["utilisation_percent"] == 75.0
    assert report_enqueue(day=DAY).pk == message.pk
    assert report_enqueue(day=DAY, resend=True).pk != message.pk
    assert OutboxMessage.objects.filter(kind="operation_report").count() == 2


@pytest.mark.slow
def test_loopback_report_arrives_after_an_outage(live_server, settings):
    settings.NODE_IDENTIFIER_PREFIX = "CN"
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    settings.NODE_ROLE = "national"
    enrol(segment="510000").link(url="http://127.0.0.1:9")  # this database is also the enrolled Sichuan node
    settings.NODE_ROLE = "regional"
    resource = a100_resource()
    push(resource, (sh(2026, 3, 2, 10), 8))
    from monitoring.metrics.rollup import resource_rollup

    resource_rollup()
    report_enqueue(day=DAY)
    settings.NODE_ROLE = "national"  # the live server answers as the national node
    settings.UPSTREAM_NODE_URL = "http://127.0.0.1:9"  # national node down
    now = timezone.now()
    assert outbox_drain(now=now) == {"sent": 0, "failed": 1}
    assert ReceivedReport.objects.count() == 0
    settings.UPSTREAM_NODE_URL = live_server.url  # back up; the retry is due after the back-off
    assert outbox_drain(now=now + datetime.timedelta(seconds=31)) == {"sent": 1, "failed": 0}
    received = ReceivedReport.objects.get()
    assert (received.node_prefix, received.report_date) == ("CN.510000", DAY)
    assert national_aggregate(day=DAY)["totals"]["installed_cards"] == 32.0
    message = OutboxMessage.objects.get(kind="operation_report")
    assert message.status == "sent" and message.response["outcome"] == "created"
    assert outbox_drain(now=now + datetime.timedelta(hours=1)) == {"sent": 0, "failed": 0}
