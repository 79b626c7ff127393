"""Low-code campaigns: a call configured in the admin drives the form, materials, eligibility and route; the
rules an application was submitted under are frozen with it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from organizations.models import IndustryCategory
from portal.guides import campaign_guide
from tests.factories import TelecomLicenceFactory, UserFactory
from workflows.node_application import eligibility, services
from workflows.node_application.models import (
    Campaign,
    CampaignRulesVersion,
    Notification,
    ReviewTask,
    Stage,
    TaskKind,
)
from workflows.node_application.services.paper_copies import paper_copies_receive

from .factories import FORM, applicant, at, authority, eligible_org, form_code, ooxml, open_task, pdf, reviewer

pytestmark = pytest.mark.django_db


def act(kind, application, user, decision, opinion="同意。", department="", now=None):
    return services.task_act(
        task=open_task(application, kind, department), actor=user, decision=decision, opinion=opinion, now=now
    )


def _split(prefix: str, value: str) -> dict:
    date, _sep, time = value.partition(" ")
    return {f"{prefix}_0": date, f"{prefix}_1": time}


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


def _second_batch_form(*, notification_text: str) -> dict:
    """What an operator types into the admin's 新增申报批次 page: Sichuan's second 2026 batch."""
    data = {
        "name": "国家算力互联互通节点（四川）2026年申报（第二批）",
        "slug": "sc-2026-2",
        "province": "510000",
        "year": "2026",
        "batch": "第二批",
        "accepts_industry": "on",
        "has_municipal_review": "on",
        "municipal_review_mode": "all",
        "provincial_review_mode": "all",
        "has_national_registration": "on",
        "national_registration_scope": "industry",
        "paper_copies_count": "0",
        "paper_copies_address": "",
        **_split("opens_at", "2026-06-01 00:00:00"),
        **_split("industry_name_prereview_deadline", ""),
        **_split("materials_deadline", "2026-06-30 23:59:59"),
        **_split("municipal_review_starts_at", ""),
        **_split("municipal_review_ends_at", ""),
        **_split("provincial_review_starts_at", ""),
        **_split("provincial_review_ends_at", ""),
        **_split("paper_copies_deadline", ""),
        **_split("ministry_deadline", "2026-07-31 23:59:59"),
        "publicity_days": "7",
        "min_expert_scores": "3",
        "min_registered_capital_wan": "8000",
        "licence_categories": "B11",
        "dishonesty_years": "5",
        "max_consortium": "2",
        "one_regional_per_province": "block",
        "one_per_industry": "block",
        "_save": "保存",
    }
    data |= _inline(
        "material_rules",
        [
            {
                "position": "0",
                "code": "application_form",
                "label": "申报书（第二批）",
                "scope": "all",
                "condition": "always",
                "pdf_required": "on",
                "editable_required": "on",
                "max_size_mb": "1",
            },
            {
                "position": "1",
                "code": "proof_of_funds",
                "label": "注册资金证明",
                "scope": "industry",
                "condition": "always",
                "pdf_required": "on",
                "max_size_mb": "10",
            },
        ],
    )
    data |= _inline("stage_names", [{"stage": "national_registration", "label": "国家平台登记中"}])
    data |= _inline("notification_texts", [{"stage": "national_registration", "text": notification_text}])
    data |= _inline("rules_versions", [])
    return data


def test_a_call_configured_in_the_admin_drives_materials_eligibility_and_route(client, campaigns, people):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:node_application_campaign_add")
    assert client.get(url).status_code == 200

    # A placeholder the platform does not know is refused on its field, and nothing is saved.
    response = client.post(url, _second_batch_form(notification_text="{reference} 已到{unknown}"))
    assert response.status_code == 200 and "未知的占位符" in response.content.decode()
    assert not Campaign.objects.filter(slug="sc-2026-2").exists()

    text = "{organization}：申报 {reference} 已进入{stage}，请留意国家平台短信。"
    response = client.post(url, _second_batch_form(notification_text=text))
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(slug="sc-2026-2")
    # a second Sichuan call in 2026 beside sc-2026: batches are no longer one per province and year
    assert Campaign.objects.filter(province_id="510000", year=2026).count() == 2
    assert campaign.material_rules.count() == 2

    user = people["applicant"]
    application = services.application_create(campaign=campaign, node_type="industry", actor=user, now=at(6, 2))
    data = dict(FORM, industry=IndustryCategory.objects.get(code="391"))
    application = services.application_save_draft(application=application, actor=user, data=data, now=at(6, 2))
    # The upload form offers the campaign's kinds only, with their size limits.
    client.force_login(user)
    page = client.get(reverse("node_application:edit_step", args=[application.reference, "materials"])).content.decode()
    assert "申报书（第二批）（不超过 1 MB）" in page and "信用承诺函" not in page
    page = client.get(reverse("node_application:edit_step", args=[application.reference, "units"])).content.decode()
    assert 'name="joint1_name"' in page and 'name="joint2_name"' not in page  # a consortium of at most 2
    with pytest.raises(ValidationError) as refused:
        services.material_upload(
            application=application, actor=user, kind="credit_commitment", fmt="pdf", upload=pdf(), now=at(6, 2)
        )
    assert "kind" in refused.value.message_dict
    too_big = pdf(content=b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as refused:
        services.material_upload(
            application=application, actor=user, kind="application_form", fmt="pdf", upload=too_big, now=at(6, 2)
        )
    assert "1.0 MB" in " ".join(refused.value.message_dict["file"])

    # Eligibility follows the configured parameters: 8000万 against a 1亿 organisation passes; a B11 licence counts.
    errors, missing, findings = services.submit_problems(application, on=at(6, 2).date())
    # the operator's two kinds, and the two every campaign asks for (operating-conditions evidence, stamped form)
    assert missing == [
        "申报书（第二批）（PDF 版）",
        "申报书（第二批）（可编辑版）",
        "注册资金证明（PDF 版）",
        "运营条件证明材料（场地、设备、人员）（PDF 版）",
        "申报表盖章签字扫描件（PDF 版）",
        "国家平台注册回执（PDF 版）",
    ]
    # the only condition not met yet is the evidence of the operating conditions (uploaded below)
    assert [f.code for f in eligibility.blocking(findings)] == ["facilities_no_evidence"]
    labels = [check.label for check in eligibility.itemised(application, on=at(6, 2).date())]
    assert "建设主体注册资金不低于8000万元" in labels and "建设、运营主体近5年无重大失信记录" in labels
    # The national-platform registration the call demands of industry nodes: the applicant records it (its
    # receipt is one more material), and submitting without it names what is missing on its fields.
    for kind, fmt, upload in [
        ("application_form", "pdf", pdf()),
        ("application_form", "editable", ooxml()),
        ("proof_of_funds", "pdf", pdf()),
        ("facilities_proof", "pdf", pdf()),
    ]:
        services.material_upload(application=application, actor=user, kind=kind, fmt=fmt, upload=upload, now=at(6, 2))
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=application, actor=user, now=at(6, 3))
    assert set(refused.value.message_dict) >= {"national_registration_no", "national_registration_on"}
    assert "国家平台注册回执（PDF 版）" in refused.value.message_dict["__all__"][0]
    services.material_upload(
        application=application, actor=user, kind="national_registration_receipt", fmt="pdf", upload=pdf(), now=at(6, 2)
    )
    application = services.application_save_draft(
        application=application,
        actor=user,
        data={"national_registration_no": "NCP-2026-0042", "national_registration_on": at(6, 2).date()},
        now=at(6, 2),
    )
    services.material_upload(
        application=application,
        actor=user,
        kind="stamped_form",
        fmt="pdf",
        upload=pdf(),
        form_code=form_code(application),
        now=at(6, 2),
    )
    application = services.application_submit(application=application, actor=user, now=at(6, 3))

    # Municipal review by both city bodies in parallel: one recommendation is not enough.
    assert application.stage == Stage.MUNICIPAL_REVIEW
    assert (
        ReviewTask.objects.filter(application=application, kind=TaskKind.MUNICIPAL_REVIEW, status="open").count() == 2
    )
    p = people
    application = act(
        TaskKind.MUNICIPAL_REVIEW, application, p["chengdu"], "recommend", department="municipal_economy_it"
    )
    assert application.stage == Stage.MUNICIPAL_REVIEW
    application = act(
        TaskKind.MUNICIPAL_REVIEW,
        application,
        p["chengdu_comms"],
        "recommend",
        department="municipal_communications_office",
    )
    assert application.stage == Stage.PROVINCIAL_REVIEW
    act(TaskKind.PROVINCIAL_REVIEW, application, p["sc_comms"], "approve", department="communications_administration")
    application = act(TaskKind.PROVINCIAL_REVIEW, application, p["sc_industry"], "approve", department="industry_it")
    # The national-platform registration stage the operator switched on, with its applicant-facing name and text.
    assert application.stage == Stage.NATIONAL_REGISTRATION
    assert application.applicant_stage_label == "国家平台登记中"
    message = Notification.objects.filter(user=user, application=application).first().message
    assert (
        message
        == f"{application.organization}：申报 {application.reference} 已进入国家平台登记中，请留意国家平台短信。"
    )
    # The communications administration checks what the applicant recorded.
    application = act(TaskKind.NATIONAL_REGISTRATION, application, p["sc_comms"], "verified", opinion="")
    assert application.stage == Stage.MINISTRY_SUBMISSION
    assert application.national_registration_no == "NCP-2026-0042"
    application = act(
        TaskKind.MINISTRY_SUBMISSION, application, p["sc_comms"], "submit", opinion="同意推荐。", now=at(7, 1)
    )
    assert application.stage == Stage.EXPERT_REVIEW


def test_editing_the_threshold_never_changes_a_recorded_verdict(client, sichuan, people):
    user = people["applicant"]
    org = people["tianfu_org"]
    org.registered_capital = Decimal("60000000")  # 6000万: enough under the 5000万 of the notice
    org.save()
    from .factories import fill

    application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=at(3, 20))
    application = fill(application, user, now=at(3, 20))
    application = services.application_submit(application=application, actor=user, now=at(3, 20))
    assert application.rules_version.number == 1
    assert application.rules_version.rules["min_registered_capital_wan"] == "5000"
    verdict = list(application.eligibility_verdict)
    assert "capital_too_low" not in {finding["code"] for finding in verdict}

    # The operator raises the threshold to 1亿 afterwards.
    sichuan.min_registered_capital_wan = Decimal("10000")
    sichuan.save()

    application.refresh_from_db()
    assert application.eligibility_verdict == verdict and application.rules_version.number == 1
    fresh = type(application).objects.get(pk=application.pk)
    capital = eligibility.itemised(fresh, on=at(3, 21).date())[0]
    assert capital.label == "建设主体注册资金不低于5000万元" and capital.passed
    # The reviewer's task page still shows the verdict under the version it was submitted under.
    client.force_login(people["chengdu"])
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW)
    body = client.get(reverse("node_application:task", args=[task.pk])).content.decode()
    assert "第 1 版申报规则" in body and "建设主体注册资金不低于5000万元" in body

    # A new application from the same organisation's neighbour is judged by the new threshold.
    other_org = eligible_org("510700", registered_capital=Decimal("60000000"))
    other = services.application_create(
        campaign=sichuan, node_type="industry", actor=applicant(other_org), now=at(3, 20)
    )
    other = fill(other, other.created_by, now=at(3, 20), industry="392")
    codes = {f.code for f in eligibility.blocking(eligibility.check_application(other, on=at(3, 20).date()))}
    assert codes == {"capital_too_low"}
    assert CampaignRulesVersion.objects.filter(campaign=sichuan).count() == 1


def test_the_guangdong_call_of_the_demo_data_walks_end_to_end(campaigns, people):
    campaign = campaigns["gd-2026"]
    guide = campaign_guide(campaign=campaign, now=at(3, 10))
    assert [m.label for m in guide.materials][:3] == ["申报书", "节点建设运营方案", "营业执照（或事业单位法人证书）"]
    titles = [step.title for step in guide.steps]
    assert "报送纸质材料" in titles and not any("市级初审" in t for t in titles)

    gd_comms = reviewer(
        "provincial_reviewer", authority("广东省通信管理局", "province", "communications_administration", "440000")
    )
    gd_industry = reviewer(
        "provincial_reviewer", authority("广东省工业和信息化厅", "province", "industry_it", "440000")
    )
    from tests.factories import OrganizationFactory

    org = OrganizationFactory(province_id="440000", city_id=None, address="广州市示例路1号")
    TelecomLicenceFactory(organization=org, categories=["B21"])  # not a category this call counts
    user = applicant(org)
    application = services.application_create(campaign=campaign, node_type="industry", actor=user, now=at(3, 10))
    data = dict(FORM, industry=IndustryCategory.objects.get(code="391"), recommending_unit="广东省工业和信息化厅")
    application = services.application_save_draft(application=application, actor=user, data=data, now=at(3, 10))
    findings = eligibility.blocking(eligibility.check_application(application, on=at(3, 10).date()))
    # the finding names the categories the call counts, and what the operating entity holds instead
    assert [f.code for f in findings] == ["no_telecom_licence", "facilities_no_evidence"]
    assert "B11 互联网数据中心业务、B14 互联网接入服务业务" in findings[0].message
    TelecomLicenceFactory(organization=org, categories=["B11"])

    for rule in [
        "application_form",
        "construction_plan",
        "business_licence",
        "audit_report",
        "licences",
        "industry_letter",
        "facilities_proof",
    ]:
        services.material_upload(application=application, actor=user, kind=rule, fmt="pdf", upload=pdf(), now=at(3, 10))
    for rule in ["application_form", "construction_plan"]:
        services.material_upload(
            application=application, actor=user, kind=rule, fmt="editable", upload=ooxml(), now=at(3, 10)
        )
    code = form_code(application)
    services.material_upload(
        application=application, actor=user, kind="stamped_form", fmt="pdf", upload=pdf(), form_code=code, now=at(3, 10)
    )
    application = services.application_submit(application=application, actor=user, now=at(3, 11))
    assert application.stage == Stage.PROVINCIAL_REVIEW  # no municipal review in this call
    act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        gd_comms,
        "approve",
        department="communications_administration",
        now=at(4, 2),
    )
    application = act(
        TaskKind.PROVINCIAL_REVIEW, application, gd_industry, "approve", department="industry_it", now=at(4, 2)
    )
    assert application.stage == Stage.PAPER_COPIES
    assert application.applicant_stage_label == "待省通信管理局确认纸质材料"
    assert "请于4月10日前报送纸质材料2份" in Notification.objects.filter(user=user).first().message
    application = paper_copies_receive(
        application=application, actor=gd_comms, received_on=at(4, 8).date(), count=2, receiver="张收件", now=at(4, 8)
    )
    assert application.stage == Stage.MINISTRY_SUBMISSION and application.paper_copies_received_at == at(4, 8)
    assert (application.paper_copies_count, application.paper_copies_receiver) == (2, "张收件")
    application = act(TaskKind.MINISTRY_SUBMISSION, application, gd_comms, "submit", opinion="同意推荐。", now=at(4, 9))
    assert application.stage == Stage.EXPERT_REVIEW

    ministry = people["ministry"]
    services.expert_assign(application=application, actor=ministry, experts=people["experts"])
    for expert in people["experts"]:
        services.expert_score_submit(application=application, expert=expert, score=Decimal("85"))
    application = act(TaskKind.EXPERT_REVIEW, application, ministry, "publicize", now=at(5, 1))
    application = act(TaskKind.PUBLICITY, application, ministry, "approve", "公示无异议。", now=at(5, 9))
    assert application.stage == Stage.CONSTRUCTION
    act(TaskKind.CONSTRUCTION, application, gd_industry, "complete", "完成。", now=at(8, 1))
    act(TaskKind.INTEGRATION_TESTING, application, gd_comms, "pass", "通过。", now=at(8, 2))
    application = act(TaskKind.ACCEPTANCE, application, ministry, "accept", "通过。", now=at(9, 1))
    assert application.stage == Stage.ACCEPTED
    assert application.rules_version.rules["has_paper_copies"] is True
