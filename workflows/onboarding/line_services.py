"""Writes of the line-opening process (flow 11): a certified line provider's application, the operator's
decision, and the listing of the approved line (keyword-only, one transaction each)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process

from catalog import services as catalog_services
from catalog.models import NetworkLine, Provider, RecordVersion
from organizations.models import User

from .models import Decision, LineApplication
from .services import event_record, request_decide


@transaction.atomic
def line_application_submit(
    *, process: Process, provider: Provider, actor: User, external_id: str, data: dict
) -> LineApplication:
    """A certified line provider describes a line; it waits (pending) for the operator's approval."""
    if not provider.may_open_lines:
        raise ValidationError(_("本单位尚未通过网络线路提供商入网认证，不能开通线路。"))
    if NetworkLine.objects.filter(provider=provider, external_id=external_id).exists():
        raise ValidationError({"external_id": _("该线路编号已存在，请使用新的编号。")})
    change = catalog_services.line_upsert(
        provider=provider, external_id=external_id, data=data, actor=actor, source=RecordVersion.Source.PORTAL
    )
    application = LineApplication.objects.create(
        process=process, organization=provider.organization, provider=provider, submitted_by=actor, line=change.record
    )
    event_record(process=process, action=_("提交线路开通申请"), actor=actor)
    return application


@transaction.atomic
def line_application_revise(*, application: LineApplication, actor: User, data: dict) -> LineApplication:
    catalog_services.line_upsert(
        provider=application.provider,
        external_id=application.line.external_id,
        data=data,
        actor=actor,
        source=RecordVersion.Source.PORTAL,
    )
    application.decision, application.opinion = "", ""
    application.save()
    event_record(process=application.process, action=_("修改线路后重新提交"), actor=actor)
    return application


@transaction.atomic
def line_application_decide(*, application: LineApplication, decision: str, opinion: str, actor: User):
    if decision == Decision.APPROVE:
        # a line opens only while its provider is a certified line provider (issue 16 item 2): a
        # suspension between the application and this decision stops it
        provider = Provider.objects.get(pk=application.provider_id)
        if not provider.may_open_lines:
            raise ValidationError(
                {
                    "decision": _("该单位当前不是已认证的网络线路提供商（%(state)s），不能开通线路。")
                    % {"state": provider.get_onboarding_state_display()}
                }
            )
    request_decide(request=application, decision=decision, opinion=opinion, actor=actor)
    return application


@transaction.atomic
def line_open(*, application: LineApplication, actor: User | None) -> str:
    """The approved line is listed (it appears in selection) and gets its identifier, filed upstream."""
    catalog_services.record_approve(record=application.line, actor=actor, reason=_("线路开通申请审核通过。"))
    code = application.line.identifier.code
    event_record(process=application.process, action=_("线路已开通并发放算力标识"), actor=None, opinion=code)
    return code
