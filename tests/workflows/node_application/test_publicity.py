"""公示 in public: the list generated from the workflow, objections anyone may lodge, the ministry's handling, and
the results that stay on the portal afterwards."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from security.models import SecurityEvent
from workflows.node_application import services
from workflows.node_application.models import ApplicationEvent, NodeApplication, Objection, Stage, TaskKind

from .factories import at, fill, open_task, pdf
from .test_flow import act, through_ministry

pytestmark = pytest.mark.django_db

LIST = reverse("node_application:publicity_list")


def _publicized(campaign, people, *, open_now=True):
    """A Hebei regional application the ministry sent to publicity; its period still running now unless told."""
    p = people
    application = services.application_create(
        campaign=campaign, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1), lead_name="冀北算力运营有限公司")
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))
    services.expert_assign(application=application, actor=p["ministry"], experts=p["experts"])
    for expert in p["experts"]:
        services.expert_score_submit(application=application, expert=expert, score=Decimal("88.5"))
    application = act(TaskKind.EXPERT_REVIEW, application, p["ministry"], "publicize", now=at(5, 1))
    if open_now:  # the page reads the real clock: move the period around it
        ends = timezone.now() + datetime.timedelta(days=3)
        NodeApplication.objects.filter(pk=application.pk).update(publicity_ends_at=ends)
        application.refresh_from_db()
    return application


def _objection(**extra):
    data = {
        "name": "李异议",
        "organization_name": "某某科技有限公司",
        "phone": "0311-87654321",
        "email": "objector@example.invalid",
        "content": "该单位申报材料所述的万卡智算中心尚未建成，与事实不符。",
    }
    data.update(extra)
    return data


def test_the_public_list_objection_handling_and_result(client, hebei, people, django_capture_on_commit_callbacks):
    p = people
    application = _publicized(hebei, p)
    detail = reverse("node_application:publicity_detail", args=[application.reference])

    # Anyone reads the list: node, applicant, type, region, review result, period; nothing private.
    body = client.get(LIST).content.decode()
    assert application.title in body and "冀北算力运营有限公司" in body
    assert "区域节点" in body and "河北省" in body and "专家评审通过，拟入选" in body
    assert timezone.localtime(application.publicity_ends_at).strftime("%Y-%m-%d %H:%M") in body
    assert "公示中" in body
    assert "88.50" not in body and "contact@example.invalid" not in body and "028-12345678" not in body

    # Anyone lodges an objection, with an attachment; it reaches the ministry, not the applicant.
    response = client.post(detail, {**_objection(), "attachment": pdf("证明.pdf")})
    assert response.status_code == 302
    objection = Objection.objects.get(application=application)
    assert (objection.channel, objection.lodged_by, objection.phone) == ("public", "李异议", "0311-87654321")
    assert objection.attachment_type == "pdf" and len(objection.attachment_sha256) == 64
    event = ApplicationEvent.objects.get(application=application, action="objection")
    assert event.actor is None and event.visible_to_applicant is False
    assert LogEntry.objects.get_for_object(objection).filter(action=LogEntry.Action.CREATE).count() == 1

    client.force_login(p["ministry"])
    inbox = client.get(reverse("node_application:inbox")).content.decode()
    assert "待处理的公示异议：1 件" in inbox
    task = open_task(application, TaskKind.PUBLICITY)
    page = client.get(reverse("node_application:task", args=[task.pk])).content.decode()
    assert "李异议" in page and "0311-87654321" in page and "万卡智算中心尚未建成" in page
    attachment = reverse("node_application:objection_attachment", args=[application.reference, objection.pk])
    assert attachment in page
    assert client.get(attachment).status_code == 200

    # The applicant sees neither the objector nor the grounds.
    client.force_login(p["applicant_hebei"])
    own = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert "李异议" not in own and "0311-87654321" not in own
    assert client.get(attachment).status_code == 404

    # Publicity cannot end in approval while the objection is unhandled.
    with pytest.raises(ValidationError, match="异议"):
        act(TaskKind.PUBLICITY, application, p["ministry"], "approve", now=application.publicity_ends_at)

    # The ministry records how it was handled; the objector is told by e-mail; the task page shows it.
    client.force_login(p["ministry"])
    resolve = reverse("node_application:objection_resolve", args=[application.reference, objection.pk])
    task_url = reverse("node_application:task", args=[task.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            resolve, {"outcome": "dismissed", "resolution": "经现场核查，智算中心已建成投运。", "next": task_url}
        )
    assert response.status_code == 302 and response["Location"] == task_url
    objection.refresh_from_db()
    assert objection.outcome == "dismissed" and objection.resolved_by == p["ministry"]
    assert [m.to for m in mail.outbox if "异议已处理" in m.subject] == [["objector@example.invalid"]]
    assert "经现场核查" in client.get(task_url).content.decode()
    assert "待处理的公示异议：0 件" in client.get(reverse("node_application:inbox")).content.decode()

    # After the period the ministry approves; the result stays public, and objections are no longer taken.
    application = act(TaskKind.PUBLICITY, application, p["ministry"], "approve", now=application.publicity_ends_at)
    assert application.stage == Stage.CONSTRUCTION
    client.logout()
    assert application.title not in client.get(LIST).content.decode()
    results = client.get(LIST, {"tab": "results"}).content.decode()
    assert application.title in results and "公示期满，批准建设" in results
    page = client.get(detail).content.decode()
    assert "公示期间收到异议 1 件，经核查成立或部分成立 0 件。" in page and "提交异议" not in page
    client.post(detail, _objection())
    assert Objection.objects.filter(application=application).count() == 1


def test_only_nodes_sent_to_publicity_are_listed(client, hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))  # in expert review
    assert application.title not in client.get(LIST).content.decode()
    assert client.get(LIST, {"tab": "results"}).status_code == 200
    detail = reverse("node_application:publicity_detail", args=[application.reference])
    assert client.get(detail).status_code == 404
    assert client.post(detail, _objection()).status_code == 404
    assert not Objection.objects.exists()


def test_objection_form_errors_are_field_level_in_chinese_and_english(client, hebei, people):
    application = _publicized(hebei, people)
    detail = reverse("node_application:publicity_detail", args=[application.reference])
    response = client.post(detail, {"name": "", "content": "太短", "phone": "", "email": "not-an-email"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["name"] == ["必需字段"]
    assert "至少包含 10 字符" in form.errors["content"][0]
    assert form.errors["email"] == ["请输入合法的邮件地址。"]
    assert "phone" not in form.errors  # the e-mail address given is wrong, not missing
    response = client.post(detail, _objection(phone="", email=""))
    assert response.context["form"].errors["phone"] == ["请至少填写联系电话或电子邮箱中的一项。"]
    fake = SimpleUploadedFile("证明.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post(detail, {**_objection(), "attachment": fake})
    assert response.status_code == 400
    assert "文件须为 PDF、DOC、DOCX 或 XLSX" in response.context["form"].errors["attachment"][0]
    body = response.content.decode()
    assert "invalid-feedback" in body  # shown under the field

    english = client.post(f"/en{detail}", _objection(phone="", email="", name=""))
    assert english.status_code == 400
    errors = english.context["form"].errors
    assert errors["name"] == ["This field is required."]
    assert errors["phone"] == ["Please give at least a telephone number or an e-mail address."]
    assert "Lodge an objection" in english.content.decode()
    assert not Objection.objects.exists()


def test_objection_posts_are_rate_limited_and_need_csrf(client, hebei, people, settings):
    application = _publicized(hebei, people)
    detail = reverse("node_application:publicity_detail", args=[application.reference])
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public_form": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert client.post(detail, _objection()).status_code == 302
    assert client.post(detail, _objection()).status_code == 302
    refused = client.post(detail, _objection())
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert Objection.objects.count() == 2
    assert SecurityEvent.objects.filter(kind="rate_limited").count() == 1

    from django.test import Client

    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.9.9.9")
    assert strict.post(detail, _objection()).status_code == 403
    assert Objection.objects.count() == 2


def test_only_the_ministry_handles_objections(client, hebei, people):
    p = people
    application = _publicized(hebei, p)
    objection = services.objection_submit_public(
        application=application, name="王某", phone="13800000000", content="申报材料中的用电指标存疑，请核查。"
    )
    resolve = reverse("node_application:objection_resolve", args=[application.reference, objection.pk])
    attachment = reverse("node_application:objection_attachment", args=[application.reference, objection.pk])
    for user in (p["hb_comms"], p["applicant_hebei"], p["chengdu"]):
        client.force_login(user)
        assert client.post(resolve, {"outcome": "upheld", "resolution": "成立"}).status_code == 404
        assert client.get(attachment).status_code == 404
    objection.refresh_from_db()
    assert objection.resolved_at is None
    # The ministry must give a conclusion and the handling.
    client.force_login(p["ministry"])
    client.post(resolve, {"outcome": "", "resolution": ""})
    objection.refresh_from_db()
    assert objection.resolved_at is None
    client.post(resolve, {"outcome": "upheld", "resolution": "经核查用电指标与批复不符。"})
    objection.refresh_from_db()
    assert objection.outcome == "upheld" and objection.resolved_at is not None
    application = act(TaskKind.PUBLICITY, application, p["ministry"], "reject", opinion="异议成立，不予批准。")
    client.logout()
    results = client.get(LIST, {"tab": "results"}).content.decode()
    assert application.title in results and "不予批准" in results
    page = client.get(reverse("node_application:publicity_detail", args=[application.reference])).content.decode()
    assert "公示期间收到异议 1 件，经核查成立或部分成立 1 件。" in page
    assert "王某" not in page and "13800000000" not in page


def test_the_publicity_read_api(client, hebei, people):
    application = _publicized(hebei, people)
    body = client.get("/api/v1/publicity/").json()
    assert body["count"] == 1
    entry = body["results"][0]
    assert entry["reference"] == application.reference and entry["applicants"] == ["冀北算力运营有限公司"]
    assert (entry["node_type"], entry["campaign"], entry["accepts_objections"]) == ("regional", "hb-2026", True)
    assert entry["outcome"] == "公示中" and entry["objections_received"] == 0
    assert "contact_email" not in entry and "expert_average" not in entry
    assert client.get("/api/v1/publicity/", {"tab": "results"}).json()["count"] == 0
    assert client.get("/api/v1/publicity/", {"campaign": "sc-2026"}).json()["count"] == 0
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/publicity/" in schema["paths"]
