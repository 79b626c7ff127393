"""False-materials findings: a provincial or ministry reviewer records one with its evidence; the ministry may
withdraw it with a reason. While it stands, ``findings.check_false_materials`` fails the organisation's
applications in the campaigns it covers."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import User

from .. import findings as finding_rules
from ..models import FalseMaterialFinding, FindingScope, NodeApplication
from ..uploads import check_evidence
from .common import _actor_unit, _lock, _notify_applicant, _now, _record


@transaction.atomic
def finding_record(
    *,
    application: NodeApplication,
    actor: User,
    scope: str,
    facts: str,
    evidence: UploadedFile | None,
    now: datetime.datetime | None = None,
) -> FalseMaterialFinding:
    now = _now(now)
    if not finding_rules.can_record(user=actor, application=application):
        raise PermissionDenied(_("虚假材料认定由申报所在省的省级审核部门或工业和信息化部作出。"))
    errors = {}
    if scope not in FindingScope.values:
        errors["scope"] = _("请选择禁止申报的范围。")
    if not facts.strip():
        errors["facts"] = _("请填写认定事实：哪些材料、虚假在何处。")
    try:
        detected, digest = check_evidence(evidence)
    except ValidationError as error:
        errors["evidence"] = error.messages
    if errors:
        raise ValidationError(errors)
    application = _lock(application)
    if application.submitted_at is None:
        raise ValidationError(_("尚未提交的申报不能作出虚假材料认定。"))
    organization = application.organization
    finding = FalseMaterialFinding(
        application=application,
        organization=organization,
        uscc=organization.uscc,
        scope=scope,
        campaign=application.campaign,
        province_code=application.campaign.province_id,
        facts=facts.strip(),
        evidence_name=evidence.name[-255:],
        evidence_type=detected,
        evidence_sha256=digest,
        recorded_by=actor,
        recorded_unit=_actor_unit(actor),
        recorded_at=now,
    )
    finding.evidence.save(f"{application.reference}-finding.{detected}", evidence, save=False)
    finding.save()
    message = _("认定提供虚假材料：%(organization)s（%(uscc)s）不得在%(scope)s申报。") % {
        "organization": organization.name,
        "uscc": organization.uscc,
        "scope": finding_rules.scope_text(finding),
    }
    _record(
        application=application,
        action="false_materials",
        label=message,
        actor=actor,
        opinion=finding.facts,
        visible=True,
        now=now,
    )
    _notify_applicant(application=application, message=message)
    return finding


@transaction.atomic
def finding_withdraw(
    *, finding: FalseMaterialFinding, actor: User, reason: str, now: datetime.datetime | None = None
) -> FalseMaterialFinding:
    """Only the ministry withdraws a finding, with its reason; the bar ends at once."""
    now = _now(now)
    if not finding_rules.is_ministry(actor):
        raise PermissionDenied(_("虚假材料认定只能由工业和信息化部撤销。"))
    finding = FalseMaterialFinding.objects.select_for_update().select_related("application").get(pk=finding.pk)
    if finding.withdrawn_at is not None:
        raise ValidationError(_("该认定已撤销。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销理由。")})
    finding.withdrawn_at = now
    finding.withdrawn_by = actor
    finding.withdrawal_reason = reason.strip()
    finding.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    message = _("撤销虚假材料认定（%(date)s 作出）") % {"date": finding_rules.local_day(finding.recorded_at)}
    _record(
        application=finding.application,
        action="false_materials_withdrawn",
        label=message,
        actor=actor,
        opinion=finding.withdrawal_reason,
        visible=True,
        now=now,
    )
    _notify_applicant(application=finding.application, message=f"{message}：{finding.withdrawal_reason}")
    return finding
