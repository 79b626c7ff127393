"""Reports upward between real nodes on loopback (issue 7, item 3): a regional node's daily operation
report waits in its federation outbox while the national node is down, arrives once it is back,
and the national node aggregates it with a second regional node's report, to the exact figures.

Separate processes throughout (tests/federation/nodes.py): the Sichuan node serves its provider
metrics endpoint with daphne, the national node is a daphne process that is down, then up; the
Hebei node only runs management commands. Each has its own throwaway SQLite file. What each node
does in a step runs as one ``manage.py shell`` script: a process start costs more than the step.
"""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from tests.federation.nodes import enrol, loopback_nodes, outbox_rows, printed  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]

REPORT = "operation_report"
# A provider with one listed A100 resource (fp16 312 TFLOPS per card), and an API key (``key``) for its pushes.
SEED = """
from catalog import services
from catalog.models import ComputeResource, Provider, Site
from organizations.models import Organization, User
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="{name}算力有限公司", kind="enterprise", province_id="{province}", city_id="{city}",
    uscc=make_uscc(division="{city}", body="MA6RPT01"), registered_capital=100_000_000,
)
provider = Provider.objects.create(organization=organization, onboarding_state="certified", is_resource_provider=True)
site = Site.objects.create(
    provider=provider, code="S1", name="{name}数据中心", province_id="{province}", city_id="{city}"
)
resource = ComputeResource.objects.create(
    provider=provider, site=site, external_id="R-1", name="{name} A100 集群", resource_class="intelligent",
    accelerators_per_node=8, node_count={nodes}, fp16_tflops_per_card="312", price_yuan="10.00",
    listing_state="pending",
)
services.record_approve(record=resource, actor=None, reason="报告测试")
owner = User.objects.create_user(username="{name}-ops", password="Correct-horse-42", organization=organization)
key = services.api_key_create(provider=provider, name="metrics", actor=owner)[1]
"""
# The Sichuan provider pushes its samples of the day through its node's metrics endpoint (HTTP, on
# the running daphne); the report for the day is queued and a drain tries to send it.
SICHUAN_PUSH_REPORT_DRAIN = """
import json, urllib.request
from django.core.management import call_command

samples = [
    {{"resource": "R-1", "sampled_at": "{day}T10:00:00+08:00", "available_cards": 8, "state": "online"}},
    {{"resource": "R-1", "sampled_at": "{day}T14:00:00+08:00", "available_cards": 24, "state": "online"}},
]
push = urllib.request.Request(
    "{url}/api/v1/provider/metrics/", data=json.dumps({{"samples": samples}}).encode(),
    headers={{"Content-Type": "application/json", "Authorization": "Api-Key " + key}},
)
with urllib.request.urlopen(push, timeout=60) as response:
    print("PUSHED=" + response.read().decode())
call_command("metrics_report", "--date", "{day}")
call_command("federation_drain")
"""
# The Hebei node (not served) stores its samples through the ingestion service and queues its report.
HEBEI_PUSH_REPORT = """
from django.core.management import call_command
from django.utils.dateparse import parse_datetime
from monitoring.metrics.ingest import resource_samples_ingest

samples = [
    {{"resource": "R-1", "sampled_at": parse_datetime("{day}T09:00:00+08:00"), "available_cards": 4}},
    {{"resource": "R-1", "sampled_at": parse_datetime("{day}T15:00:00+08:00"), "available_cards": 4,
      "state": "maintenance"}},
]
resource_samples_ingest(resources={{"R-1": resource}}, samples=samples)
call_command("metrics_report", "--date", "{day}")
"""
RETRY_NOW = """
from django.core.management import call_command
from django.utils import timezone
from federation.models import OutboxMessage

OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())  # the operator's "retry now"
call_command("federation_drain")
"""
AGGREGATE = """
import datetime, json
from monitoring.reports import national_aggregate

print("AGGREGATE=" + json.dumps(national_aggregate(day=datetime.date.fromisoformat("{day}")), default=str))
"""


def test_daily_reports_reach_the_national_node_after_an_outage_and_are_aggregated(loopback_nodes):  # noqa: F811
    day = (datetime.datetime.now(ZoneInfo("Asia/Shanghai")) - datetime.timedelta(days=1)).date().isoformat()
    national = loopback_nodes("national", NODE_ROLE="national")
    upstream = {
        "NODE_ROLE": "regional",
        "OUTBOX_BACKOFF_BASE_SECONDS": "600",  # long enough that a loaded machine never makes it due early
        "UPSTREAM_TIMEOUT_SECONDS": "3",
    }
    sichuan = loopback_nodes("sichuan", **upstream)
    hebei = loopback_nodes("hebei", **upstream)
    national.start()  # both regional nodes enrol, then the national node goes down
    assert enrol(sichuan, national, segment="510000", name="四川省区域节点") == "CN.510000"
    assert enrol(hebei, national, segment="130000", name="河北省区域节点") == "CN.130000"
    national.stop()
    hebei_done = hebei.shell_started(  # meanwhile, in its own process
        SEED.format(name="河北", province="130000", city="130100", nodes=2) + HEBEI_PUSH_REPORT.format(day=day)
    )
    sichuan.start()  # the national node is down
    output = sichuan.shell(
        SEED.format(name="四川", province="510000", city="510100", nodes=4)
        + SICHUAN_PUSH_REPORT_DRAIN.format(day=day, url=sichuan.url)
    )
    assert json.loads(printed(output, "PUSHED"))["accepted"]["samples"] == 2
    assert f"queued {REPORT}:CN.510000:{day}" in output

    # the national node is unreachable: the report (and the identifier filing) stay queued, with the
    # error and a back-off
    assert "outbox: 0 sent, 2 failed" in output
    ((state, attempts, last_error, due_in),) = outbox_rows(sichuan, REPORT)
    assert (state, attempts) == ("pending", 1)
    assert "URLError" in last_error or "Connection" in last_error
    assert 300 < due_in <= 601  # OUTBOX_BACKOFF_BASE_SECONDS=600 after the first failure
    assert f"queued {REPORT}:CN.130000:{day}" in hebei_done()

    # the national node comes up: both regional nodes deliver
    national.start()
    assert national.query("SELECT COUNT(*) FROM monitoring_receivedreport") == [(0,)]
    assert "outbox: 2 sent, 0 failed" in sichuan.shell(RETRY_NOW)
    assert outbox_rows(sichuan, REPORT)[0][:3] == ("sent", 2, "")
    assert "outbox: 2 sent, 0 failed" in hebei.manage("federation_drain")
    assert outbox_rows(hebei, REPORT)[0][:3] == ("sent", 1, "")

    received = national.query(
        "SELECT node_prefix, report_date, schema_version, deliveries"
        " FROM monitoring_receivedreport ORDER BY node_prefix"
    )
    assert received == [("CN.130000", day, 1, 1), ("CN.510000", day, 1, 1)]
    aggregate = json.loads(printed(national.shell(AGGREGATE.format(day=day)), "AGGREGATE"))
    totals = aggregate["totals"]
    # Sichuan: 32 cards, 8 then 24 available (16 on average), online; Hebei: 16 cards, 4 available,
    # online then in maintenance (one state change)
    assert (totals["resources"], totals["installed_cards"], totals["available_cards"]) == (2, 48, 20)
    assert totals["utilisation_percent"] == 58.33  # card-weighted: (50 × 32 + 75 × 16) / 48
    assert totals["online_rate_percent"] == 75.0  # resource-weighted: (100 + 50) / 2
    assert totals["state_changes"] == 1
    assert totals["installed_fp16_pflops"] == 14.976  # 48 cards × 312 TFLOPS
    rows = aggregate["by_province"]
    assert [(row["province_code"], row["installed_cards"], row["available_cards"]) for row in rows] == [
        ("130000", 16, 4),
        ("510000", 32, 16),
    ]
