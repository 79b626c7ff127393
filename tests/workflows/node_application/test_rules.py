"""Campaign deadlines (Asia/Shanghai, minute boundary), eligibility, and upload checks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.factories import OrganizationFactory
from workflows.node_application import eligibility, services
from workflows.node_application.models import ApplicationEvent, Material, NodeApplication, Stage

from .factories import at, fill, ooxml, pdf

pytestmark = pytest.mark.django_db


# --- deadlines -------------------------------------------------------------------------------


def test_demo_campaign_dates_are_the_notices_dates_in_shanghai(sichuan, hebei):
    assert sichuan.materials_deadline == at(3, 26, 0, 0)  # 3月25日 ends at 24:00 Beijing time
    assert sichuan.materials_deadline == datetime.datetime(2026, 3, 25, 16, 0, tzinfo=datetime.UTC)
    assert hebei.industry_name_prereview_deadline == at(3, 11, 0, 0)
    assert hebei.materials_deadline == at(3, 18, 0, 0)
    assert sichuan.ministry_deadline == hebei.ministry_deadline == at(4, 2, 0, 0)
    from workflows.node_application.models import format_deadline

    assert format_deadline(sichuan.materials_deadline) == "2026-03-25 24:00"
    assert format_deadline(at(3, 25, 9, 30)) == "2026-03-25 09:30"


def test_seeding_twice_changes_nothing(campaigns):
    from auditlog.models import LogEntry

    from workflows.node_application import demo

    before = LogEntry.objects.count()
    assert all(line.startswith("kept") for line in demo.seed())
    assert LogEntry.objects.count() == before


def test_submit_at_the_last_minute_is_accepted_and_one_second_later_refused(hebei, people):
    p = people
    first = services.application_create(campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1))
    first = fill(first, p["applicant_hebei"], now=at(3, 1))
    state = (first.stage, ApplicationEvent.objects.filter(application=first).count())
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.application_submit(application=first, actor=p["applicant_hebei"], now=at(3, 18, 0, 0))
    first.refresh_from_db()
    assert (first.stage, ApplicationEvent.objects.filter(application=first).count()) == state
    services.application_submit(application=first, actor=p["applicant_hebei"], now=at(3, 17, 23, 59, 59))
    first.refresh_from_db()
    assert first.stage == Stage.PROVINCIAL_REVIEW


def test_drafts_and_uploads_are_refused_after_the_materials_deadline(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 25, 23, 59)
    )
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.application_save_draft(
            application=application, actor=p["applicant"], data={"basis": "x"}, now=at(3, 26, 0, 0)
        )
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.material_upload(
            application=application,
            actor=p["applicant"],
            kind="credit_commitment",
            fmt="pdf",
            upload=pdf(),
            now=at(3, 26, 0, 1),
        )
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.application_create(campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 26, 0, 0))
    application.refresh_from_db()
    assert application.basis == "" and not Material.objects.exists()
    assert NodeApplication.objects.count() == 1


def test_ministry_submission_refused_after_the_ministry_deadline(hebei, people):
    from workflows.node_application.models import TaskKind

    from .factories import open_task

    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    for user, dept in ((p["hb_comms"], "communications_administration"), (p["hb_industry"], "industry_it")):
        services.task_act(
            task=open_task(application, TaskKind.PROVINCIAL_REVIEW, dept),
            actor=user,
            decision="approve",
            opinion="同意",
            now=at(3, 20),
        )
    task = open_task(application, TaskKind.MINISTRY_SUBMISSION)
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.task_act(task=task, actor=p["hb_comms"], decision="submit", opinion="同意报送", now=at(4, 2, 0, 0))
    application.refresh_from_db()
    assert application.stage == Stage.MINISTRY_SUBMISSION and application.ministry_submitted_at is None
    assert not application.package
    services.task_act(task=task, actor=p["hb_comms"], decision="submit", opinion="同意报送", now=at(4, 1, 23, 59))
    application.refresh_from_db()
    assert application.stage == Stage.EXPERT_REVIEW


def test_name_prereview_refused_after_10_march(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="industry", actor=p["applicant_hebei"], now=at(3, 1)
    )
    fill(application, p["applicant_hebei"], now=at(3, 1))
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.application_request_name_prereview(
            application=application, actor=p["applicant_hebei"], now=at(3, 11, 0, 0)
        )
    services.application_request_name_prereview(
        application=application, actor=p["applicant_hebei"], now=at(3, 10, 23, 59)
    )


def test_municipal_review_window(sichuan, people):
    from workflows.node_application.models import TaskKind

    from .factories import open_task

    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    fill(application, p["applicant"], now=at(3, 20))
    services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW)
    with pytest.raises(ValidationError, match="逾期不再受理"):
        services.task_act(task=task, actor=p["chengdu"], decision="recommend", opinion="推荐", now=at(3, 26, 0, 0))
    services.task_act(task=task, actor=p["chengdu"], decision="recommend", opinion="推荐", now=at(3, 25, 23, 59))


# --- eligibility -----------------------------------------------------------------------------


def _codes(application):
    return {f.code for f in eligibility.check_application(application, on=datetime.date(2026, 3, 20))}


def test_eligibility_findings(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    assert _codes(application) == set()

    poor = OrganizationFactory(registered_capital=Decimal("49999999.99"))
    application.construction_entity = poor
    assert "capital_too_low" in _codes(application)
    application.construction_entity = OrganizationFactory(registered_capital=Decimal("50000000"))
    assert "capital_too_low" not in _codes(application)

    unlicensed = OrganizationFactory()
    application.operating_entity = unlicensed
    assert "no_telecom_licence" in _codes(application)
    unlicensed.kind = "public_institution"
    assert "no_telecom_licence" not in _codes(application)

    dishonest = OrganizationFactory(has_major_dishonesty=True, dishonesty_recorded_on=datetime.date(2023, 3, 21))
    application.operating_entity = dishonest
    assert "major_dishonesty" in _codes(application)
    dishonest.dishonesty_recorded_on = datetime.date(2023, 3, 20)  # exactly three years: outside
    assert "major_dishonesty" not in _codes(application)

    good = application.lead_uscc
    application.joint1_name, application.joint1_uscc = "联合单位", good[:17] + ("0" if good[17] != "0" else "1")
    assert "uscc_invalid" in _codes(application)


def test_one_regional_node_per_province_blocks_and_one_industry_node_only_warns(sichuan, people):
    p = people
    first = services.application_create(campaign=sichuan, node_type="regional", actor=p["applicant"], now=at(3, 20))
    first = fill(first, p["applicant"], now=at(3, 20))
    services.application_submit(application=first, actor=p["applicant"], now=at(3, 20))
    second = services.application_create(
        campaign=sichuan, node_type="regional", actor=p["applicant_mianyang"], now=at(3, 20)
    )
    second = fill(second, p["applicant_mianyang"], now=at(3, 20))
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=second, actor=p["applicant_mianyang"], now=at(3, 20))
    assert "region" in refused.value.message_dict
    second.refresh_from_db()
    assert second.stage == Stage.DRAFT

    a = services.application_create(campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20))
    services.application_submit(application=fill(a, p["applicant"], now=at(3, 20)), actor=p["applicant"], now=at(3, 20))
    b = fill(
        services.application_create(
            campaign=sichuan, node_type="industry", actor=p["applicant_mianyang"], now=at(3, 20)
        ),
        p["applicant_mianyang"],
        now=at(3, 20),
    )
    assert [f.severity for f in eligibility.check_application(b, on=datetime.date(2026, 3, 20))] == ["warning"]
    b = services.application_submit(application=b, actor=p["applicant_mianyang"], now=at(3, 20))
    assert b.stage == Stage.MUNICIPAL_REVIEW
    assert "原则上" in b.events.get(action="submit").opinion


def test_submit_reports_missing_fields_and_materials_per_field(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))
    errors = refused.value.message_dict
    assert {"industry", "policy_environment", "contact_gender", "recommending_unit"} <= set(errors)
    assert any("缺少申报材料" in m for m in errors["__all__"])


def test_a_consortium_needs_complete_joint_units_and_an_agreement(sichuan, people):
    p = people
    partner = OrganizationFactory()
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    data = {"joint1_name": partner.name, "joint1_uscc": partner.uscc}
    application = services.application_save_draft(
        application=application, actor=p["applicant"], data=data, now=at(3, 20)
    )
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))
    errors = refused.value.message_dict
    assert "joint1_address" in errors
    assert "联合体申报协议" in " ".join(errors["__all__"])


# --- uploads ---------------------------------------------------------------------------------


@pytest.fixture
def draft(sichuan, people):
    return services.application_create(campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20))


def stored_files() -> set[str]:
    # The storage the material field writes to (the same object as STORAGES["private"] outside tests
    # that override settings).
    storage = Material._meta.get_field("file").storage
    found, pending = set(), [""]
    while pending:
        folder = pending.pop()
        dirs, files = storage.listdir(folder)
        found |= {f"{folder}/{name}" for name in files}
        pending += [f"{folder}/{name}".lstrip("/") for name in dirs]
    return found


@pytest.mark.parametrize(
    ("upload", "fmt", "message"),
    [
        (SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 200), "pdf", "不是 PDF"),
        (SimpleUploadedFile("plan.docx", b"MZ\x90\x00" + b"\x00" * 200), "editable", "不是 DOC"),
        (SimpleUploadedFile("plan.pdf", b""), "pdf", "文件为空"),
        (SimpleUploadedFile("plan.docx", b"PK\x03\x04not really a zip"), "editable", "不是 DOC"),
        (pdf("plan.docx"), "editable", "不是 DOC"),
    ],
)
def test_bad_uploads_are_refused_and_stored_nowhere(draft, people, upload, fmt, message):
    before = stored_files()
    with pytest.raises(ValidationError, match=message) as refused:
        services.material_upload(
            application=draft,
            actor=people["applicant"],
            kind="construction_plan",
            fmt=fmt,
            upload=upload,
            now=at(3, 20),
        )
    assert "file" in refused.value.message_dict
    assert not Material.objects.exists()
    assert stored_files() == before


@override_settings(NODE_APPLICATION_MAX_UPLOAD_BYTES=1024)
def test_oversized_upload_refused(draft, people):
    before = stored_files()
    with pytest.raises(ValidationError, match="文件过大"):
        services.material_upload(
            application=draft,
            actor=people["applicant"],
            kind="track_record",
            fmt="pdf",
            upload=pdf(content=b"%PDF-" + b"0" * 2000),
            now=at(3, 20),
        )
    assert not Material.objects.exists()
    assert stored_files() == before


def test_good_uploads_are_recognised_by_content_and_replaced(draft, people):
    from django.core.files.storage import storages

    m = services.material_upload(
        application=draft,
        actor=people["applicant"],
        kind="proof_of_funds",
        fmt="editable",
        upload=ooxml("xlsx", "funds.bin"),
        now=at(3, 20),
    )
    assert m.detected_type == "xlsx" and m.file.name.endswith(".xlsx")
    ole = SimpleUploadedFile("old.doc", bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 100)
    m2 = services.material_upload(
        application=draft, actor=people["applicant"], kind="proof_of_funds", fmt="editable", upload=ole, now=at(3, 20)
    )
    assert m2.pk == m.pk and m2.detected_type == "doc"
    assert Material.objects.count() == 1
    assert m2.file.storage.exists(m2.file.name)
    from django.conf import settings

    assert m2.file.storage.__class__.__name__ == settings.STORAGES["private"]["BACKEND"].rsplit(".", 1)[1]
    assert m2.file.storage is not storages["default"]
