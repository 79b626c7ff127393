"""对接联调 as evidence between three real nodes on loopback (issue 14, item 7): a Sichuan industry node's
application reaches 对接联调 on the regional node, which issues its enrolment code; the new node runs
``manage.py node_selftest`` with it. With the national node down, the transcript shows the national
acknowledgement failing (and what depends on it not run) and the reviewer cannot pass on it; with the
national node back, every step passes (enrol once, file, acknowledgement, resolution at the national node
pointing at the industry node, sync into the regional selection, report, cleanup) and the reviewer passes
the step on it. With the regional node down, the run fails at filing and its transcript is delivered by the
outbox after the regional node's recovery.
"""

import json
import subprocess
import sys

import pytest

from tests.federation.nodes import ROOT, enrol, loopback_nodes, printed  # noqa: F401  (a fixture)
from tests.federation.selftest_setup import PASS

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]
RETRY_NOW = """
from django.core.management import call_command
from django.utils import timezone
from federation.models import OutboxMessage

OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
call_command("federation_drain")
"""


def runs(regional) -> list[tuple[bool, dict]]:
    rows = regional.query("SELECT ok, steps FROM node_application_selftestrun ORDER BY id")
    return [(bool(ok), {step["name"]: step for step in json.loads(steps)}) for ok, steps in rows]


def test_the_new_node_self_test_is_the_evidence_of_integration_testing(loopback_nodes):  # noqa: F811
    quick = {"OUTBOX_BACKOFF_BASE_SECONDS": "600", "UPSTREAM_TIMEOUT_SECONDS": "3"}
    national = loopback_nodes("national", NODE_ROLE="national", NODE_NAME="国家节点")
    regional = loopback_nodes("regional", NODE_ROLE="regional", NODE_NAME="四川省区域节点", **quick)
    industry = loopback_nodes(
        "industry", NODE_ROLE="industry", NODE_NAME="电子信息行业节点", FEDERATION_SELFTEST_WAIT_SECONDS="4", **quick
    )
    national.start()
    regional.start()
    assert enrol(regional, national, segment="510000", name="四川省区域节点") == "CN.510000"
    setup = regional.shell("from tests.federation.selftest_setup import main; main()")
    reference, prefix, code = (printed(setup, name) for name in ("REFERENCE", "PREFIX", "CODE"))
    assert prefix == "CN.510000.C391" and len(code) == 29

    # the national node is down: enrolment, filing and report pass; the acknowledgement does not come
    national.stop()
    industry.start()
    output = industry.manage("node_selftest", "--upstream", regional.url, "--code", code)
    assert "SELFTEST=failed" in output and "DELIVERED=yes" in output, output
    assert regional.query("SELECT prefix, role FROM federation_peer") == [(prefix, "industry")]
    [(ok, steps)] = runs(regional)
    assert not ok
    assert [name for name, step in steps.items() if step["ok"]] == ["enrol", "prefix", "filing", "report", "cleanup"]
    assert "4 秒内未收到国家节点确认" in steps["acknowledgement"]["error"]
    assert steps["resolve"]["error"].startswith("未执行") and steps["sync"]["error"].startswith("未执行")
    assert all(step["started_at"] and step["duration_ms"] >= 0 for step in steps.values())
    assert printed(regional.shell(PASS.format(reference=reference)), "PASSED").startswith("refused ValidationError")

    # the national node is back: the regional node relays while the new node runs the self-test again
    national.start()
    regional.shell(RETRY_NOW)
    industry.env["FEDERATION_SELFTEST_WAIT_SECONDS"] = "60"  # the relay below runs beside it
    drain = subprocess.Popen(
        [sys.executable, "manage.py", "federation_drain", "--loop", "1"],
        cwd=ROOT,
        env=regional.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        output = industry.manage("node_selftest")
    finally:
        drain.terminate()
        drain.wait(timeout=20)
    assert "SELFTEST=ok" in output and "DELIVERED=yes" in output, output
    # the regional node relayed the new node's registration: the root lists it under its regional node
    below = national.query("SELECT p.prefix, v.prefix FROM federation_peer p JOIN federation_peer v ON p.via_id = v.id")
    assert below == [(prefix, "CN.510000")]
    ok, steps = runs(regional)[-1]
    assert ok and all(step["ok"] for step in steps.values())
    assert "本次未重新接入" in steps["enrol"]["detail"]
    assert f"访问路径 {industry.url}/catalog/r/{prefix}/" in steps["resolve"]["detail"]
    assert "上级节点算力选择中可见" in steps["sync"]["detail"]
    # the lookup went down signed: the regional node verified the national node's key, the industry node
    # the regional node's (nonces are kept only for verified signatures)
    assert regional.query("SELECT COUNT(*) FROM federation_seennonce WHERE key_id LIKE 'CN:node:%'")[0][0] >= 1
    assert industry.query("SELECT COUNT(*) FROM federation_seennonce WHERE key_id LIKE 'CN.510000:node:%'")[0][0] >= 1
    assert regional.query("SELECT COUNT(*) FROM federation_peerkey") == [(1,)]  # enrolled once
    assert printed(regional.shell(PASS.format(reference=reference)), "PASSED") == "acceptance"
    opinion = regional.query("SELECT opinion FROM node_application_reviewtask WHERE decision = 'pass'")
    assert opinion[0][0].startswith("【依据 ")
    # the test record did not stay in the catalogue: delisted, and the removal synced upward
    assert industry.query("SELECT DISTINCT listing_state FROM catalog_computeresource") == [("delisted",)]
    assert regional.query("SELECT DISTINCT removed FROM federation_syncedrecord") == [(1,)]


def test_a_self_test_made_while_the_regional_node_is_down_arrives_after_its_recovery(loopback_nodes):  # noqa: F811
    quick = {"OUTBOX_BACKOFF_BASE_SECONDS": "600", "UPSTREAM_TIMEOUT_SECONDS": "2"}
    regional = loopback_nodes("regional", NODE_ROLE="regional", NODE_NAME="四川省区域节点", **quick)
    industry = loopback_nodes(
        "industry", NODE_ROLE="industry", NODE_NAME="电子信息行业节点", FEDERATION_SELFTEST_WAIT_SECONDS="1", **quick
    )
    regional.start()
    setup = regional.shell("from tests.federation.selftest_setup import main; main()")
    reference, code = printed(setup, "REFERENCE"), printed(setup, "CODE")
    assert industry.manage("node_enrol", "--upstream", regional.url, "--code", code).startswith("PREFIX=")
    regional.stop()
    output = industry.manage("node_selftest")
    assert "SELFTEST=failed" in output and "DELIVERED=no" in output, output
    assert "FAIL 报送测试算力标识" in output and "Connection refused" in output
    regional.start()
    assert runs(regional) == []
    industry.shell(RETRY_NOW)
    [(ok, steps)] = runs(regional)
    assert not ok and "Connection refused" in steps["filing"]["error"]
    assert printed(regional.shell(PASS.format(reference=reference)), "PASSED").startswith("refused ValidationError")
