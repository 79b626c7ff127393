"""Helpers for the node application tests: demo campaigns, applicants, reviewers, valid files."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.models import Authority
from tests.factories import AuthorityFactory, OrganizationFactory, TelecomLicenceFactory, UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "file.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def ooxml(kind: str = "docx", name: str | None = None) -> SimpleUploadedFile:
    main = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    }[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name or f"file.{kind}", buffer.getvalue())


# The base route of the national notice: one city body recommends, no national-platform registration, no paper
# copies. ``sichuan`` (conftest) runs the flow, rule and page tests on it with the Sichuan notice's dates; the
# notice's own route, as the demo configures sc-2026, is tested in test_sichuan_route.py.
BASE_ROUTE = {"municipal_review_mode": "any", "has_national_registration": False, "has_paper_copies": False}


def base_route(campaign):
    """The campaign on the base route, with the standard stage names and notification texts."""
    type(campaign).objects.filter(pk=campaign.pk).update(**BASE_ROUTE)
    campaign.stage_names.all().delete()
    campaign.notification_texts.all().delete()
    return type(campaign).objects.get(pk=campaign.pk)


def authority(name: str, level: str, department: str, division: str | None) -> Authority:
    return AuthorityFactory(name=name, level=level, department=department, division_id=division)


def reviewer(role: str, auth: Authority, **fields):
    return UserFactory(roles=[role], authority=auth, **fields)


def eligible_org(city: str = "510100", **fields):
    org = OrganizationFactory(city_id=city, province_id=city[:2] + "0000", address="示例路1号", **fields)
    TelecomLicenceFactory(organization=org)
    return org


def applicant(org, **fields):
    return UserFactory(roles=["applicant"], organization=org, email=f"{org.pk}@example.invalid", **fields)


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0):
    """An instant in 2026, Asia/Shanghai."""
    import datetime

    from django.utils import timezone

    return datetime.datetime(2026, month, day, hour, minute, second, tzinfo=timezone.get_default_timezone())


FORM = {
    "recommending_unit": "成都市经济和信息化局、成都市通信发展办公室",
    "applicant_unit": "四川省通信管理局、四川省经济和信息化厅",
    "contact_name": "王申报",
    "contact_gender": "male",
    "contact_title": "项目经理",
    "contact_phone": "028-12345678",
    "contact_email": "contact@example.invalid",
    "policy_environment": "属于“十五五”发展战略重点行业。",
    "basis": "已建成万卡级智算中心。",
    "construction_plan": "建设服务中心、算力资源汇聚、算力选择、安全保障系统。",
    "application_promotion": "面向电子信息行业推广。",
    "safeguard_measures": "配套资金、用地、用电保障。",
    "facility_site_address": "成都市高新区示例路1号",
    "facility_site_tenure": "leased",
    "facility_site_area_m2": 1200,
    "facility_racks": 40,
    "facility_power_kw": 800,
    "facility_servers": 60,
    "facility_staff_total": 35,
    "facility_staff_technical": 25,
    "facility_staff_security": 6,
}


def fill(application, user, *, now, industry="391", national_registration=True, **extra):
    """Complete the form and upload every required material (and, where the campaign demands it, record the
    national-platform registration unless ``national_registration`` is False)."""
    from organizations.models import IndustryCategory
    from workflows.node_application import services
    from workflows.node_application.campaign_rules import NATIONAL_REGISTRATION_RECEIPT, rules_for
    from workflows.node_application.models import EDITABLE_REQUIRED, MaterialKind

    data = dict(FORM, **extra)
    if application.node_type == "industry" and "applicant_unit" not in extra:
        data.pop("applicant_unit")  # 附件3's 申报单位: the applying organisation, filled in on creation
    if application.node_type == "industry" and "industry" not in extra:
        data["industry"] = IndustryCategory.objects.get(code=industry)
    national = rules_for(application).national_registration_for(application.node_type) and national_registration
    if national:
        data.setdefault("national_registration_no", f"NCP-2026-{application.pk:05d}")
        data.setdefault("national_registration_on", now.date())
        services.material_upload(
            application=application, actor=user, kind=NATIONAL_REGISTRATION_RECEIPT, fmt="pdf", upload=pdf(), now=now
        )
    application = services.application_save_draft(application=application, actor=user, data=data, now=now)
    for kind in MaterialKind:
        if kind == MaterialKind.CONSORTIUM_AGREEMENT and not application.is_consortium:
            continue
        code = form_code(application) if kind == MaterialKind.STAMPED_FORM else ""
        services.material_upload(
            application=application, actor=user, kind=kind, fmt="pdf", upload=pdf(), form_code=code, now=now
        )
        if kind in EDITABLE_REQUIRED:
            services.material_upload(
                application=application, actor=user, kind=kind, fmt="editable", upload=ooxml(), now=now
            )
    application.refresh_from_db()
    return application


def form_code(application) -> str:
    """The code the generated form prints (what the applicant types in when uploading the stamped scan)."""
    from workflows.node_application import form_content

    return form_content.short_code(form_content.checksum(application))


def restamp(application, user, *, now):
    """Upload a new stamped scan stating the form's current code (after an edit of the form)."""
    from workflows.node_application import services

    return services.material_upload(
        application=application,
        actor=user,
        kind="stamped_form",
        fmt="pdf",
        upload=pdf(),
        form_code=form_code(application),
        now=now,
    )


def open_task(application, kind, department=""):
    from workflows.node_application.models import ReviewTask

    qs = ReviewTask.objects.filter(application=application, kind=kind, status="open")
    if department:
        qs = qs.filter(department=department)
    return qs.get()
