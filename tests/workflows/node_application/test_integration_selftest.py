"""对接联调 as evidence (issue 14, item 7), in one database: the enrolment code issued when an industry
node's application reaches 对接联调 on its regional node, the signed transcript the new node sends, the
reviewer who passes the step on a successful run only (or records why), and what the task page shows.
The same path between real servers: tests/federation/test_selftest_three_servers.py."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from federation import signing
from federation.models import EnrolmentCode
from federation.registry import enrolment_accept
from tests.federation.signed import Enrolled
from tests.federation.signed import enrol as enrol_other
from workflows.node_application import services
from workflows.node_application.models import (
    ApplicationEvent,
    IntegrationEnrolment,
    SelfTestRun,
    Stage,
    TaskKind,
)

from .factories import at, fill, open_task
from .test_flow import act, after_ministry, through_ministry

pytestmark = pytest.mark.django_db
PATH = "/api/v1/applications/integration-selftest/"


def at_integration_testing(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 20, 11))
    application = act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu_comms"], "recommend", "推荐。", now=at(3, 22))
    application = through_ministry(application, p, now_review=at(3, 26))
    application = after_ministry(application, p)
    application = act(TaskKind.CONSTRUCTION, application, p["sc_comms"], "complete", "建设完成。", now=at(8, 1))
    assert application.stage == Stage.INTEGRATION_TESTING
    return application


def transcript(*, ok: bool) -> dict:
    steps = [
        {"name": "enrol", "label": "接入上级节点（一次性接入码）", "ok": True, "detail": "已接入", "error": ""},
        {"name": "filing", "label": "报送测试算力标识", "ok": True, "detail": "回执 F0000000001", "error": ""},
        {
            "name": "acknowledgement",
            "label": "获取国家节点备案确认",
            "ok": ok,
            "detail": "" if not ok else "已确认",
            "error": "" if ok else "30 秒内未收到国家节点确认（标识仍为 issued）。",
        },
    ]
    for step in steps:
        step.update(started_at="2026-08-01T10:00:00+08:00", duration_ms=12)
    times = {"started_at": "2026-08-01T10:00:00+08:00", "finished_at": "2026-08-01T10:00:31+08:00"}
    return {**times, "ok": ok, "steps": steps}


def enrolled_with(code: str, role: str = "industry") -> Enrolled:
    keys = signing.generate_keypair()
    peer, key = enrolment_accept(
        code=code, role=role, url="http://127.0.0.1:9", public_key=keys.public_key, algorithm=signing.ALGORITHM
    )
    return Enrolled(peer=peer, key_id=key.key_id, keys=keys)


def test_reaching_integration_testing_issues_the_new_nodes_enrolment_code(sichuan, people, client):
    application = at_integration_testing(sichuan, people)
    enrolment = IntegrationEnrolment.objects.get(application=application)
    # the applicant's status page shows the code and the command to run on the new node
    client.force_login(people["applicant"])
    detail = reverse("node_application:detail", kwargs={"reference": application.reference})
    page = client.get(detail).content.decode()
    command = f"node_selftest --upstream {settings.NODE_PUBLIC_URL} --code {enrolment.code}"
    assert enrolment.code in page and command in page
    client.force_login(people["applicant_mianyang"])  # another organisation: not found
    assert client.get(detail).status_code == 404
    assert enrolment.node_prefix == "CN.510000.C391"  # the regional prefix + section C, mid-category 391
    assert enrolment.code and enrolment.code_usable
    row = EnrolmentCode.objects.get()
    assert (row.prefix, row.role, row.used_at) == ("CN.510000.C391", "industry", None)
    assert row.code_sha256 != enrolment.code  # the registry keeps only the digest

    # a failed round keeps the same unused code; the new node enrols with it once
    act(TaskKind.INTEGRATION_TESTING, application, people["sc_comms"], "fail", "未联调。", now=at(8, 2))
    assert EnrolmentCode.objects.count() == 1
    enrolled = enrolled_with(enrolment.code)
    assert enrolled.peer.prefix == "CN.510000.C391"
    client.force_login(people["applicant"])  # used: no longer shown
    page = client.get(detail).content.decode()
    assert enrolment.code not in page and "新节点已接入" in page
    with pytest.raises(Exception):  # noqa: B017 - the code is one-time
        enrolled_with(enrolment.code)


def test_a_regional_application_gets_no_code_from_a_regional_node(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1), applicant_unit="河北省通信管理局")
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 17))
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))
    application = after_ministry(application, p)
    act(TaskKind.CONSTRUCTION, application, p["hb_industry"], "complete", "完成。", now=at(8, 1))
    enrolment = IntegrationEnrolment.objects.get(application=application)
    assert (enrolment.code, enrolment.node_prefix) == ("", "")
    assert "上级节点组织对接联调" in enrolment.note
    assert not EnrolmentCode.objects.exists()


def test_the_step_passes_on_a_successful_transcript_or_on_a_recorded_reason(sichuan, people, client):
    application = at_integration_testing(sichuan, people)
    node = enrolled_with(IntegrationEnrolment.objects.get(application=application).code)
    reviewer = people["sc_comms"]

    # nothing received yet: passing without a reason is refused and changes nothing
    with pytest.raises(ValidationError) as refused:
        act(TaskKind.INTEGRATION_TESTING, application, reviewer, "pass", "", now=at(8, 3))
    assert "opinion" in refused.value.message_dict
    application.refresh_from_db()
    assert application.stage == Stage.INTEGRATION_TESTING

    # unsigned, or signed by a node no application enrolled: refused, nothing stored
    assert client.post(PATH, transcript(ok=True), content_type="application/json").status_code == 401
    stranger = enrol_other(segment="C152", name="另一个行业节点")
    assert stranger.post(client, PATH, transcript(ok=True), key="run-x").status_code == 404
    assert not SelfTestRun.objects.exists()

    # a failing run (the national node was down) is attached to the step, with its error
    response = node.post(client, PATH, transcript(ok=False), key="run-1")
    assert response.status_code == 201, response.content
    assert response.json() == {**response.json(), "application": application.reference, "ok": False}
    assert node.post(client, PATH, transcript(ok=False), key="run-1").status_code == 200  # a repeat
    run = SelfTestRun.objects.get()
    failed = [step["name"] for step in run.failed_steps]
    assert (run.ok, run.task.kind, failed) == (False, "integration_testing", ["acknowledgement"])
    assert ApplicationEvent.objects.filter(
        application=application, action="integration_testing:selftest", action_label__contains="获取国家节点备案确认"
    ).exists()
    assert IntegrationEnrolment.objects.get(application=application).code == ""  # used: no longer shown

    client.force_login(reviewer)
    task = open_task(application, TaskKind.INTEGRATION_TESTING)
    page = client.get(reverse("node_application:task", kwargs={"pk": task.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "对接联调自测记录" in text and "未通过" in text
    assert "30 秒内未收到国家节点确认" in text

    with pytest.raises(ValidationError):
        act(TaskKind.INTEGRATION_TESTING, application, reviewer, "pass", "", now=at(8, 4))

    # the successful run: the reviewer passes on it, the opinion names the evidence
    assert node.post(client, PATH, transcript(ok=True), key="run-2").status_code == 201
    application = act(TaskKind.INTEGRATION_TESTING, application, reviewer, "pass", "", now=at(8, 5))
    assert application.stage == Stage.ACCEPTANCE
    decided = application.tasks.get(kind=TaskKind.INTEGRATION_TESTING, status="done", decision="pass")
    assert decided.opinion.startswith("【依据 ") and "全部通过" in decided.opinion

    # once the step is over, a late transcript is refused
    assert node.post(client, PATH, transcript(ok=True), key="run-3").status_code == 409


def test_a_reviewer_may_pass_without_a_successful_run_when_they_record_why(sichuan, people):
    application = at_integration_testing(sichuan, people)
    application = act(
        TaskKind.INTEGRATION_TESTING, application, people["sc_comms"], "pass", "现场联调已验证。", now=at(8, 3)
    )
    assert application.stage == Stage.ACCEPTANCE
    decided = application.tasks.get(kind=TaskKind.INTEGRATION_TESTING, decision="pass")
    assert decided.opinion == "【无全部通过的自测记录，审核人说明理由】现场联调已验证。"
