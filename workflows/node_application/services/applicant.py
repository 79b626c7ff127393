"""What applicants do: create, save drafts, upload materials, submit, withdraw, report milestones."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Organization, User
from organizations.roles import Role

from .. import deadlines, eligibility, form_content, selectors, uploads
from ..campaign_rules import rules_for
from ..models import (
    ApplicationEvent,
    Campaign,
    Material,
    MaterialFormat,
    MaterialKind,
    NodeApplication,
    NodeType,
    Stage,
)
from . import declaration, entities
from .campaigns import rules_version_for_submission
from .common import (
    FORM_FIELDS,
    NATIONAL_REGISTRATION_FIELDS,
    REQUIRED_ON_SUBMIT,
    _lock,
    _move,
    _now,
    _record,
)
from .process import applicant_step, application_close, flow_class, locked


def _next_reference(campaign: Campaign, node_type: str) -> str:
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    count = NodeApplication.objects.filter(campaign=campaign).count()
    letter = "R" if node_type == NodeType.REGIONAL else "I"
    while True:
        count += 1
        reference = f"JD{campaign.year}-{campaign.province_id[:2]}-{letter}{count:04d}"
        if not NodeApplication.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def application_create(
    *, campaign: Campaign, node_type: str, actor: User, now: datetime.datetime | None = None
) -> NodeApplication:
    now = _now(now)
    organization: Organization | None = actor.organization
    if organization is None or Role.APPLICANT.value not in selectors._role_names(actor):
        raise PermissionDenied(_("只有申报单位用户可以填报。"))
    if node_type not in campaign.node_types:
        raise ValidationError({"node_type": _("本批次不受理该类节点。")})
    deadlines.ensure_open(campaign.opens_at, now=now, what=_("申报"))
    deadlines.ensure_before(campaign.materials_deadline, now=now, what=_("申报材料报送"))
    if organization.province_id != campaign.province_id:
        raise ValidationError(_("本批次只受理%(province)s的单位申报。") % {"province": campaign.province})
    if node_type == NodeType.REGIONAL:
        division_code = campaign.province_id
    else:
        division_code = organization.city_id or organization.province_id
    application = NodeApplication.objects.create(
        reference=_next_reference(campaign, node_type),
        campaign=campaign,
        node_type=node_type,
        organization=organization,
        created_by=actor,
        division_code=division_code,
        region_id=campaign.province_id if node_type == NodeType.REGIONAL else None,
        lead_name=organization.name,
        lead_address=organization.address,
        lead_uscc=organization.uscc,
        applicant_unit=organization.name if node_type == NodeType.INDUSTRY else "",  # 附件3: the applicant itself
        construction_entity=organization,
        operating_entity=organization,
        contact_name=actor.full_name,
        contact_title=actor.title,
        contact_phone=actor.phone,
        contact_email=actor.email,
    )
    application.process = flow_class().start.run()
    application.save(update_fields=["process"])
    _record(application=application, action="create", label=_("创建申报"), actor=actor, to_stage=Stage.DRAFT, now=now)
    return application


def _ensure_owner(*, application: NodeApplication, actor: User) -> None:
    if not selectors.application_is_owner(user=actor, application=application):
        raise PermissionDenied(_("只能修改本单位的申报。"))


def _ensure_editable_in_time(*, application: NodeApplication, now: datetime.datetime) -> None:
    if not application.is_editable:
        raise ValidationError(_("当前环节不能修改申报。"), code="not_editable")
    campaign = application.campaign
    if application.stage == Stage.DRAFT:
        deadlines.ensure_before(campaign.materials_deadline, now=now, what=_("申报材料报送"))
    else:
        deadlines.ensure_before(campaign.ministry_deadline, now=now, what=_("修改后重新提交"))


@transaction.atomic
def application_save_draft(
    *, application: NodeApplication, actor: User, data: dict, now: datetime.datetime | None = None
) -> NodeApplication:
    """Save any subset of the form fields; only their format is checked (completeness is checked on submit)."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    application = _lock(application)
    _ensure_editable_in_time(application=application, now=now)
    unknown = set(data) - set(FORM_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if application.node_type == NodeType.REGIONAL:
        data = {k: v for k, v in data.items() if k != "industry"}
    if not rules_for(application).national_registration_for(application.node_type):
        data = {k: v for k, v in data.items() if k not in NATIONAL_REGISTRATION_FIELDS}
    elif (
        "industry" in data
        and application.industry_name_approved
        and getattr(data["industry"], "pk", data["industry"]) != application.industry_id
    ):
        raise ValidationError({"industry": _("行业名称已通过初核，不能再修改。")})
    changed = []
    for field, value in data.items():
        attname = application._meta.get_field(field).attname
        new = getattr(value, "pk", value) if attname.endswith("_id") else value
        if getattr(application, attname) != new:
            setattr(application, attname, new)
            changed.append(field)
    if not changed:
        return application
    if set(changed) & {*entities.ENTITY_FIELDS, *entities.UNIT_USCC_FIELDS}:
        entities.ensure_entities_allowed(application)
    application.full_clean(exclude=["reference", "created_by", "campaign", "organization"])
    application.save()
    _record(
        application=application,
        action="save_draft",
        label=_("保存申报表"),
        actor=actor,
        opinion=", ".join(str(application._meta.get_field(f).verbose_name) for f in changed),
        now=now,
        visible=True,
    )
    return application


@transaction.atomic
def material_upload(
    *,
    application: NodeApplication,
    actor: User,
    kind: str,
    fmt: str,
    upload: UploadedFile | None,
    form_code: str = "",
    now: datetime.datetime | None = None,
) -> Material:
    """Store one material after its content check (a replaced file is deleted after commit); the form's stamped
    scan records the code it states (``declaration.stated_code``)."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    rule = rules_for(application).material(kind)
    if rule is None:
        raise ValidationError({"kind": _("本批次的材料清单中没有这一类材料。")})
    if fmt not in MaterialFormat.values:
        raise ValidationError({"format": _("未知的材料格式。")})
    try:
        detected, digest = uploads.check_upload(upload, fmt=fmt, max_bytes=rule.max_bytes)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    stamped = kind == MaterialKind.STAMPED_FORM
    code, source = declaration.stated_code(upload=upload, fmt=fmt, entered=form_code) if stamped else ("", "")
    application = _lock(application)
    _ensure_editable_in_time(application=application, now=now)
    existing = Material.objects.filter(application=application, kind=kind, format=fmt).first()
    old_name = existing.file.name if existing else None
    material = existing or Material(application=application, kind=kind, format=fmt)
    material.kind_label = rule.label
    material.original_name = (upload.name or "")[-255:]
    material.detected_type = detected
    material.size = upload.size
    material.sha256 = digest
    material.stated_code, material.code_source = code, source
    material.uploaded_by = actor
    material.uploaded_at = now
    stored_name = f"{application.reference}-{kind}-{fmt}.{detected}"
    material.file.save(stored_name, upload, save=False)
    new_name = material.file.name
    storage = material.file.storage
    try:
        material.save()
    except Exception:
        storage.delete(new_name)
        raise
    if old_name and old_name != new_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    _record(
        application=application,
        action="upload_material",
        label=_("上传材料：%(material)s") % {"material": material},
        actor=actor,
        opinion=f"{material.original_name} ({material.size} B, sha256 {digest[:12]}…)",
        now=now,
    )
    return material


def missing_materials(application: NodeApplication) -> list[str]:
    """The required materials (of the campaign's list, for this node type) not yet uploaded."""
    have = {(m.kind, m.format) for m in application.materials.all()}
    rules = rules_for(application)
    missing = []
    for rule in rules.materials_for(node_type=application.node_type, is_consortium=application.is_consortium):
        if not rule.required:
            continue
        if rule.pdf_required and (rule.code, MaterialFormat.PDF.value) not in have:
            missing.append(_("%(kind)s（PDF 版）") % {"kind": rule.label})
        if rule.editable_required and (rule.code, MaterialFormat.EDITABLE.value) not in have:
            missing.append(_("%(kind)s（可编辑版）") % {"kind": rule.label})
    return missing


def submit_problems(application: NodeApplication, *, on: datetime.date) -> tuple[dict[str, list[str]], list[str], list]:
    """(field errors, missing materials, eligibility findings) of an application about to be submitted."""
    errors: dict[str, list[str]] = {}
    for field in REQUIRED_ON_SUBMIT:
        if not getattr(application, application._meta.get_field(field).attname):
            errors.setdefault(field, []).append(_("提交前请填写此项。"))
    if application.node_type == NodeType.INDUSTRY and not application.industry_id:
        errors.setdefault("industry", []).append(_("请选择申报行业（工业行业中类）。"))
    if application.node_type == NodeType.INDUSTRY and not application.recommending_unit:
        errors.setdefault("recommending_unit", []).append(_("提交前请填写此项。"))
    if rules_for(application).national_registration_for(application.node_type):
        # Sichuan: industry-node applicants register on the national platform's node-application page first
        if not application.national_registration_no:
            errors.setdefault("national_registration_no", []).append(
                _("本批次须先在国家算力互联网服务平台注册：请填写国家平台注册编号。")
            )
        if not application.national_registration_on:
            errors.setdefault("national_registration_on", []).append(_("请填写国家平台注册日期。"))
        elif application.national_registration_on > on:
            errors.setdefault("national_registration_on", []).append(_("国家平台注册日期不能晚于今天。"))
    for n, unit in enumerate(application.joint_units, start=1):
        for part in ("name", "address", "uscc"):
            if not unit[part]:
                errors.setdefault(f"joint{n}_{part}", []).append(_("联合申报单位信息须填写完整。"))
    for field, messages in declaration.facility_problems(application).items():
        errors.setdefault(field, []).extend(messages)
    try:
        application.full_clean(exclude=["reference", "created_by", "campaign", "organization"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if scan_problem := declaration.stamped_form_problem(application):
        errors.setdefault("__all__", []).append(scan_problem)
    return errors, missing_materials(application), eligibility.check_application(application, on=on)


def application_request_name_prereview(
    *, application: NodeApplication, actor: User, now: datetime.datetime | None = None
) -> NodeApplication:
    """Hebei: report the industry name to the provincial industry & IT department before 10 March."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    with locked(application) as application:
        campaign = application.campaign
        if not campaign.requires_name_prereview(application.node_type):
            raise ValidationError(_("本批次行业节点不需要行业名称初核。"))
        if application.stage != Stage.DRAFT or application.industry_name_approved:
            raise ValidationError(_("当前环节不能报送行业名称初核。"))
        if not application.industry_id:
            raise ValidationError({"industry": _("请先选择申报行业（工业行业中类）。")})
        deadlines.ensure_before(campaign.industry_name_prereview_deadline, now=now, what=_("行业名称初核报送"))
        _move(
            application=application,
            to_stage=Stage.NAME_PREREVIEW,
            action="request_name_prereview",
            label=_("报送行业名称初核：%(industry)s") % {"industry": application.industry},
            actor=actor,
            now=now,
        )
        applicant_step(application=application, decision="request_name_prereview", actor=actor, now=now)
    return application


def application_submit(
    *, application: NodeApplication, actor: User, declared: bool = False, now: datetime.datetime | None = None
) -> NodeApplication:
    """Submit (or resubmit after a return): field checks, materials, eligibility, deadline; the flow routes it.
    ``declared``: the applicant made the truthfulness declaration (信用承诺) on the confirmation page; it is
    written into the trail."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    with locked(application) as application:
        _ensure_editable_in_time(application=application, now=now)
        campaign = application.campaign
        if (
            application.stage == Stage.DRAFT
            and campaign.requires_name_prereview(application.node_type)
            and not application.industry_name_approved
        ):
            raise ValidationError(_("行业名称须先通过省工业和信息化厅初核，才能提交申报材料。"), code="prereview")
        errors, missing, findings = submit_problems(application, on=timezone.localdate(now))
        blocks = eligibility.blocking(findings)
        if errors or missing or blocks:
            problems = dict(errors)
            if missing:
                problems.setdefault("__all__", []).append(_("缺少申报材料：%(list)s") % {"list": "；".join(missing)})
            for finding in blocks:
                problems.setdefault(finding.field or "__all__", []).append(finding.message)
            raise ValidationError(problems)
        if application.rules_version_id is None:
            # First submission: the rules it was judged by are frozen with it, and so is the verdict.
            application.rules_version = rules_version_for_submission(campaign=campaign)
            application.eligibility_verdict = eligibility.verdict_json(findings)
            application.save(update_fields=["rules_version", "eligibility_verdict"])
        rules = rules_for(application)
        if application.stage == Stage.RETURNED:
            # Resubmission continues the same process at the step that returned it.
            target = application.returned_from or Stage.PROVINCIAL_REVIEW
            label = _("修改后重新提交")
        elif rules.municipal_review_for(application.node_type):
            target = Stage.MUNICIPAL_REVIEW
            label = _("提交申报")
        else:
            target = Stage.PROVINCIAL_REVIEW
            label = _("提交申报")
        application.returned_from = ""
        if application.submitted_at is None:
            application.submitted_at = now
        application.form_checksum = form_content.checksum(application)  # what the stamped scan was checked against
        application.save(update_fields=["submitted_at", "form_checksum"])
        warnings = [f.message for f in findings if not f.blocks]
        if declared:
            warnings.insert(0, _("申报单位已作出信用承诺：所填信息和申报材料真实、准确、完整。"))
        _move(
            application=application,
            to_stage=target,
            action="submit",
            label=label,
            actor=actor,
            now=now,
            opinion="\n".join(warnings),
        )
        applicant_step(application=application, decision="submit", actor=actor, now=now)
    return application


def application_withdraw(
    *, application: NodeApplication, actor: User, reason: str = "", now: datetime.datetime | None = None
) -> None:
    """Withdraw (irreversible); the applicant's reason is kept as the trail entry's opinion."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    with locked(application) as application:
        if application.stage not in (Stage.DRAFT, Stage.RETURNED, Stage.NAME_PREREVIEW, Stage.MUNICIPAL_REVIEW):
            raise ValidationError(_("当前环节不能撤回。"))
        application_close(
            application=application,
            to_stage=Stage.WITHDRAWN,
            action="withdraw",
            label=_("撤回申报"),
            actor=actor,
            now=now,
            opinion=reason.strip(),
        )


@transaction.atomic
def milestone_record(
    *, application: NodeApplication, actor: User, title: str, note: str = "", now: datetime.datetime | None = None
) -> ApplicationEvent:
    """A construction milestone reported by the applicant while the node is being built."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    application = _lock(application)
    if application.stage not in (Stage.CONSTRUCTION, Stage.INTEGRATION_TESTING):
        raise ValidationError(_("只有建设实施阶段可以登记建设里程碑。"))
    if not title.strip():
        raise ValidationError({"title": _("请填写里程碑名称。")})
    return _record(
        application=application,
        action="milestone",
        label=_("建设里程碑：%(title)s") % {"title": title.strip()},
        actor=actor,
        opinion=note,
        now=now,
    )
