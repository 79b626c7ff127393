"""Demo campaigns: Sichuan 2026, Hebei 2026 and a Guangdong-style 2026 call, each expressed as configuration (dates,
route switches, eligibility parameters, materials list, stage names, notification texts: what an operator enters in
the admin), and one Sichuan campaign that is always open relative to the day the demo data is loaded (so that
`make run` on any date lets a newcomer apply). Idempotent: an existing campaign's lists are left as the operator
edited them.

A date-only deadline ("3月17日前") ends at 24:00 of that day, Asia/Shanghai; a window ("3月21日至3月25日")
runs from 00:00 of its first day to 24:00 of its last.
"""

import datetime
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from organizations.models import IndustryCategory, User

from . import demo_publicity, services
from .campaign_rules import rules_for
from .deadlines import shanghai_end_of_day as end
from .deadlines import shanghai_start_of_day as start
from .models import Campaign, MaterialKind, NodeApplication, ReviewTask, TaskKind
from .services import campaign_upsert
from .services.paper_copies import paper_copies_receive

# The national notice's conditions, as each demo call states them (an operator may change any of them).
NATIONAL_RULES = {
    "min_registered_capital_wan": 5000,
    "licence_categories": "B11,B12,B14",  # IDC (cloud included), CDN, ISP: the default
    "dishonesty_years": 3,
    "max_consortium": 3,
    "one_regional_per_province": "block",
    "one_per_industry": "warn",
}

CAMPAIGNS = {
    "sc-2026": {
        "name": "国家算力互联互通节点（四川）2026年申报",
        "province_id": "510000",
        "year": 2026,
        "accepts_regional": True,
        "accepts_industry": True,
        # 川经信〔2026〕通知: each city's 经济和信息化局 and 通信发展办公室 recommend (both, in parallel);
        # industry-node applicants register on the national platform's node-application page; three bound,
        # stamped A4 copies go with the electronic copy, "逾期未报送的视为自动放弃申报".
        "has_municipal_review": True,
        "municipal_review_mode": "all",
        "provincial_review_mode": "all",
        "has_national_registration": True,
        "national_registration_scope": "industry",
        "has_paper_copies": True,
        "paper_copies_count": 3,
        "paper_copies_address": "各市（州）经济和信息化局、通信发展办公室（随电子版同步报送）",
        "paper_copies_deadline": end(2026, 3, 25),
        "opens_at": start(2026, 3, 18),
        "industry_name_prereview_deadline": None,
        "materials_deadline": end(2026, 3, 25),
        "municipal_review_starts_at": start(2026, 3, 21),
        "municipal_review_ends_at": end(2026, 3, 25),
        "provincial_review_starts_at": start(2026, 3, 25),
        "provincial_review_ends_at": end(2026, 3, 31),
        "ministry_deadline": end(2026, 4, 1),
        "publicity_days": 7,
        "min_expert_scores": 3,
        **NATIONAL_RULES,
    },
    "hb-2026": {
        "name": "国家算力互联互通节点（河北）2026年申报",
        "province_id": "130000",
        "year": 2026,
        "accepts_regional": True,
        "accepts_industry": True,
        # 冀通信联〔2026〕4号: regional nodes go to the communications administration, industry nodes to
        # the industry & IT department directly (no municipal step), after the industry-name pre-review.
        "has_municipal_review": False,
        "opens_at": start(2026, 2, 16),
        "industry_name_prereview_deadline": end(2026, 3, 10),
        "materials_deadline": end(2026, 3, 17),
        "municipal_review_starts_at": None,
        "municipal_review_ends_at": None,
        "provincial_review_starts_at": None,
        "provincial_review_ends_at": None,
        "ministry_deadline": end(2026, 4, 1),
        "publicity_days": 7,
        "min_expert_scores": 3,
        **NATIONAL_RULES,
    },
    # A Guangdong-style call: no municipal review (applications go straight to the province's joint review),
    # paper copies before the ministry submission, licences limited to IDC/ISP categories, one industry node per
    # industry enforced, and its own materials list (GUANGDONG_MATERIALS).
    "gd-2026": {
        "name": "国家算力互联互通节点（广东）2026年申报（第一批）",
        "province_id": "440000",
        "year": 2026,
        "batch": "第一批",
        "accepts_regional": True,
        "accepts_industry": True,
        "has_municipal_review": False,
        "has_paper_copies": True,
        "paper_copies_count": 2,
        "paper_copies_address": "广州市越秀区（示例）广东省通信管理局",
        "opens_at": start(2026, 3, 2),
        "industry_name_prereview_deadline": None,
        "materials_deadline": end(2026, 3, 31),
        "municipal_review_starts_at": None,
        "municipal_review_ends_at": None,
        "provincial_review_starts_at": start(2026, 4, 1),
        "provincial_review_ends_at": end(2026, 4, 10),
        "paper_copies_deadline": end(2026, 4, 10),
        "ministry_deadline": end(2026, 4, 15),
        "publicity_days": 7,
        "min_expert_scores": 3,
        **NATIONAL_RULES,
        "licence_categories": "B11,B14",
        "one_per_industry": "block",
    },
}

GUANGDONG_MATERIALS = [
    {"code": "application_form", "label": "申报书", "editable_required": True, "max_size_mb": 20},
    {"code": "construction_plan", "label": "节点建设运营方案", "editable_required": True, "max_size_mb": 50},
    {"code": "business_licence", "label": "营业执照（或事业单位法人证书）", "max_size_mb": 10},
    {"code": "audit_report", "label": "近一年财务审计报告", "max_size_mb": 30},
    {"code": "licences", "label": "电信业务经营许可证", "max_size_mb": 10},
    {
        "code": "industry_letter",
        "label": "行业主管部门支持函",
        "scope": "industry",
        "max_size_mb": 10,
    },
    {"code": "consortium_agreement", "label": "联合体协议", "condition": "consortium", "max_size_mb": 10},
]

# What each campaign lists besides its fields (written when the campaign is created).
CAMPAIGN_LISTS = {
    "sc-2026": {
        "stage_names": {
            "municipal_review": "市（州）经济和信息化局、通信发展办公室初审推荐中",
            "national_registration": "省通信管理局核验国家平台注册",
        },
        "notification_texts": {
            "municipal_review": "{organization}：申报 {reference}（{title}）已提交，请于3月25日前将纸质版一式3份"
            "（A4，装订成册，加盖公章）与电子版同步报送所在市（州），逾期未报送的视为自动放弃申报。",
            "abandoned": "{organization}：申报 {reference}（{title}）的纸质材料未在3月25日前报送，"
            "按《四川省申报通知》视为自动放弃申报。",
        },
    },
    "hb-2026": {
        "stage_names": {"name_prereview": "行业名称初核中（河北省工业和信息化厅）"},
        "notification_texts": {
            "draft": "您的申报 {reference} 行业名称初核已办结，请查看结果后继续填报（3月17日前提交材料）。",
        },
    },
    "gd-2026": {
        "materials": GUANGDONG_MATERIALS,
        "stage_names": {"paper_copies": "待省通信管理局确认纸质材料"},
        "notification_texts": {
            "paper_copies": "{organization}：申报 {reference}（{title}）已通过省级复审，请于4月10日前报送纸质材料2份。",
        },
    },
}


OPEN_CAMPAIGN_SLUG = "sc-open"


def open_campaign_defaults(*, today: datetime.date, opened: datetime.date | None = None) -> dict:
    """A Sichuan campaign for next year whose window contains ``today``: it opened on the first day of this month
    (or on ``opened``, the day it first opened: a later run keeps it, so the applications made in it are never
    dated before its opening) and takes materials until the last day of the month after next (so 2–3 months
    ahead); the review windows and the ministry deadline follow. The deadlines move only when the month changes."""
    first = today.replace(day=1)
    opens = min(opened, first) if opened else first
    after_next = (first + datetime.timedelta(days=95)).replace(day=1)  # the month after the month after next
    last = after_next - datetime.timedelta(days=1)
    year = today.year + 1
    return {
        "name": f"国家算力互联互通节点（四川）{year}年申报（演示批次）",
        "province_id": "510000",
        "year": year,
        "accepts_regional": True,
        "accepts_industry": True,
        "has_municipal_review": True,
        "opens_at": start(opens.year, opens.month, opens.day),
        "industry_name_prereview_deadline": None,
        "materials_deadline": end(last.year, last.month, last.day),
        "municipal_review_starts_at": start(opens.year, opens.month, opens.day),
        "municipal_review_ends_at": end(*_plus(last, 7)),
        "provincial_review_starts_at": start(opens.year, opens.month, opens.day),
        "provincial_review_ends_at": end(*_plus(last, 14)),
        "ministry_deadline": end(*_plus(last, 21)),
        "publicity_days": 7,
        "min_expert_scores": 3,
    }


def _plus(day: datetime.date, days: int) -> tuple[int, int, int]:
    later = day + datetime.timedelta(days=days)
    return later.year, later.month, later.day


NARRATIVE = {
    "contact_gender": "male",
    "contact_title": "项目负责人",
    "policy_environment": "（示例）属于“十五五”发展战略重点区域/行业，本省已出台算力基础设施支持政策。",
    "basis": "（示例）网络基础设施完善，已接入通算、智算资源，具备网络安全和数据安全能力。",
    "construction_plan": "（示例）建设算力互联网服务中心、算力资源汇聚、算力选择、安全保障等系统。",
    "application_promotion": "（示例）面向新业态、企业级、消费级场景推广，预期带动算力消费。",
    "safeguard_measures": "（示例）落实资金、用地、用电保障，配备监管人员力量。",
    "facility_site_address": "（示例）本单位数据中心机房",
    "facility_site_tenure": "owned",
    "facility_site_area_m2": 2000,
    "facility_racks": 120,
    "facility_power_kw": 2400,
    "facility_servers": 300,
    "facility_staff_total": 48,
    "facility_staff_technical": 30,
    "facility_staff_security": 8,
}

# (username, campaign, node type, industry code, how far: "draft", "submitted", "recommended", "expert_review",
# "publicity" (under publicity now) or "approved" (publicity over, construction approved)). One application per
# stage of the route: 草稿, 市级初审, 省级联合复审, 专家评审, 公示 and 公示结果 (建设实施).
DEMO_APPLICATIONS = [
    ("applicant", "sc-2026", "industry", "391", "submitted"),
    ("applicant_mianyang", "sc-2026", "industry", "392", "recommended"),
    # Hebei's 2026 regional node: publicised in March, approved when the period ended (the 公示结果 tab)
    ("applicant_hebei", "hb-2026", "regional", None, "approved"),
    # In the campaign that is always open: a regional application the ministry has given to the demo experts,
    ("applicant_mianyang", OPEN_CAMPAIGN_SLUG, "regional", None, "expert_review"),
    # an industry node under publicity from the day the demo data is loaded (the 公示中 tab),
    ("applicant", OPEN_CAMPAIGN_SLUG, "industry", "393", "publicity"),
    # and a draft still being filled in.
    ("applicant_mianyang", OPEN_CAMPAIGN_SLUG, "industry", "394", "draft"),
]


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("示例.pdf", b"%PDF-1.4\n% demo material\n%%EOF\n")


def _docx() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        archive.writestr(
            "[Content_Types].xml", f'<Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile("示例.docx", buffer.getvalue())


def _seed_application(username: str, campaign, node_type: str, industry: str | None, progress: str) -> str | None:
    user = User.objects.filter(username=username).select_related("organization").first()
    if user is None or user.organization is None:
        return None
    existing = NodeApplication.objects.filter(
        campaign=campaign, organization=user.organization, node_type=node_type
    ).first()
    if existing:
        if progress == "publicity" and demo_publicity.keep_current(existing, now=timezone.now()):
            existing.refresh_from_db()
            until = timezone.localtime(existing.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
            return f"kept application {existing.reference}; its publicity rolled forward to end {until}"
        return f"kept application {existing.reference}"
    # two days into the campaign, or just now when the campaign opened less than that ago
    now = max(
        campaign.opens_at + datetime.timedelta(minutes=1),
        min(campaign.opens_at + datetime.timedelta(days=2, hours=10), timezone.now()),
    )
    application = services.application_create(campaign=campaign, node_type=node_type, actor=user, now=now)
    data = dict(
        NARRATIVE, contact_phone=user.phone or "028-00000000", contact_email=user.email or "demo@example.invalid"
    )
    if node_type == "industry":
        data["industry"] = IndustryCategory.objects.get(code=industry)
        data["recommending_unit"] = "（示例）市经济和信息化局、市通信发展办公室"
    else:
        data["applicant_unit"] = "（示例）省通信管理局、省工业和信息化主管部门"
    if rules_for(application).national_registration_for(node_type):
        data["national_registration_no"] = f"NCP-{campaign.year}-{application.pk:05d}（示例）"
        data["national_registration_on"] = timezone.localtime(now).date()
    if progress == "draft":  # the narrative half written, nothing uploaded
        data = {key: value for key, value in data.items() if key not in ("construction_plan", "safeguard_measures")}
        application = services.application_save_draft(application=application, actor=user, data=data, now=now)
        return f"created application {application.reference} ({application.get_stage_display()})"
    application = services.application_save_draft(application=application, actor=user, data=data, now=now)
    for rule in rules_for(application).materials_for(node_type=node_type, is_consortium=False):
        if not rule.required:
            continue
        if rule.pdf_required:
            # the stamped scan states the code the generated form prints (the applicant types it in)
            code = services.seal_status(application).form_code if rule.code == MaterialKind.STAMPED_FORM else ""
            services.material_upload(
                application=application, actor=user, kind=rule.code, fmt="pdf", upload=_pdf(), form_code=code, now=now
            )
        if rule.editable_required:
            services.material_upload(
                application=application, actor=user, kind=rule.code, fmt="editable", upload=_docx(), now=now
            )
    application = services.application_submit(application=application, actor=user, now=now)
    _receive_paper_copies(application, now=now)
    if progress != "submitted":  # every open municipal task recommends (none for a regional node)
        when = max(campaign.municipal_review_starts_at or now, now)
        for task in ReviewTask.objects.filter(application=application, kind=TaskKind.MUNICIPAL_REVIEW, status="open"):
            reviewers = User.objects.filter(authority__level="city", authority__division_id=application.division_code)
            reviewer = reviewers.filter(authority__department=task.department).first() if task.department else None
            reviewer = reviewer or reviewers.first()
            if reviewer is not None:
                services.task_act(
                    task=task, actor=reviewer, decision="recommend", opinion="（示例）同意推荐。", now=when
                )
    if progress in ("expert_review", "publicity", "approved"):
        application.refresh_from_db()
        _to_expert_review(application, now=now)
        application.refresh_from_db()
    if progress == "publicity":
        application = demo_publicity.currently_publicized(application)
    if progress == "approved":
        application = demo_publicity.publicized_and_approved(application, now=now + datetime.timedelta(days=14))
    application.refresh_from_db()
    return f"created application {application.reference} ({application.get_stage_display()})"


def _receive_paper_copies(application, *, now) -> None:
    """Where the campaign asks for paper copies, a city (or else the provincial) reviewer registers them as
    received the day after submission, before the deadline (so the demo's applications are not abandoned)."""
    rules = rules_for(application)
    if not rules.has_paper_copies:
        return
    reviewers = User.objects.filter(
        authority__division_id__in=[application.division_code, application.campaign.province_id]
    )
    reviewer = reviewers.order_by("authority__level").first()  # "city" before "province"
    if reviewer is None:
        return
    when = now + datetime.timedelta(hours=2)
    deadline = application.campaign.paper_copies_deadline
    if deadline is not None and when >= deadline:
        return
    paper_copies_receive(
        application=application,
        actor=reviewer,
        received_on=timezone.localtime(when).date(),
        count=rules.paper_copies_count or 1,
        receiver=reviewer.full_name or reviewer.username,
        now=when,
    )


def _to_expert_review(application, *, now) -> None:
    """Both provincial departments approve, the communications administration reports to the ministry, and the
    ministry names the demo experts (expert1–3), who then find it in their inbox."""
    province = User.objects.filter(authority__level="province", authority__division_id=application.campaign.province_id)
    for department in ("communications_administration", "industry_it"):
        reviewer = province.filter(authority__department=department).first()
        task = ReviewTask.objects.get(
            application=application, kind=TaskKind.PROVINCIAL_REVIEW, department=department, status="open"
        )
        services.task_act(task=task, actor=reviewer, decision="approve", opinion="（示例）同意。", now=now)
    task = ReviewTask.objects.get(application=application, kind=TaskKind.MINISTRY_SUBMISSION, status="open")
    reporter = province.filter(authority__department="communications_administration").first()
    services.task_act(task=task, actor=reporter, decision="submit", opinion="（示例）两部门联合复审同意推荐。", now=now)
    ministry = User.objects.filter(authority__level="ministry").first()
    experts = list(User.objects.filter(username__in=["expert1", "expert2", "expert3"]).order_by("username"))
    application.refresh_from_db()
    services.expert_assign(application=application, actor=ministry, experts=experts, now=now)


def seed() -> list[str]:
    lines = []
    campaigns = {}
    opened = Campaign.objects.filter(slug=OPEN_CAMPAIGN_SLUG).values_list("opens_at", flat=True).first()
    rolling = {
        OPEN_CAMPAIGN_SLUG: open_campaign_defaults(
            today=timezone.localdate(), opened=timezone.localtime(opened).date() if opened else None
        )
    }
    for slug, defaults in {**CAMPAIGNS, **rolling}.items():
        campaign, created = campaign_upsert(slug=slug, defaults=defaults, **CAMPAIGN_LISTS.get(slug, {}))
        campaigns[slug] = campaign
        lines.append(f"{'created' if created else 'kept'} campaign {slug}: {campaign.name}")
    for username, slug, node_type, industry, progress in DEMO_APPLICATIONS:
        line = _seed_application(username, campaigns[slug], node_type, industry, progress)
        if line:
            lines.append(line)
    return lines
