"""对接联调 as evidence (issue 14, item 7): the enrolment code for the new node, the self-test transcripts it
sends, and the rule that the step passes on a successful run (or on a reason the reviewer records).

This node is the new node's upstream when the application's node type is the role this node enrols below
itself (federation.registry.CHILD_ROLE: a regional node enrols industry nodes, the national node regional
ones). Otherwise no code is issued here and the step says so.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import Peer
from federation.registry import enrolment_code_issue

from ..models import (
    IntegrationEnrolment,
    NodeApplication,
    NodeType,
    ReviewTask,
    SelfTestRun,
    Stage,
    TaskKind,
    TaskStatus,
)
from .common import _record


class SelfTestRefused(ValueError):
    def __init__(self, status: int, errors: dict):
        super().__init__(errors)
        self.status, self.errors = status, errors


def _segment(application: NodeApplication) -> str:
    """The prefix segment the node gets: its industry (section + mid-category, e.g. C151) or province."""
    if application.node_type == NodeType.INDUSTRY:
        industry = application.industry
        return f"{industry.section}{industry.code}" if industry is not None else ""
    return application.region_id or f"{application.division_code[:2]}0000"


def integration_enrolment_issue(*, application: NodeApplication) -> IntegrationEnrolment:
    """The one-time enrolment code of the new node, issued when its application reaches 对接联调 (again
    when an unused code has expired). A code this node cannot issue leaves a note instead of failing the
    reviewer's decision."""
    current = IntegrationEnrolment.objects.select_related("enrolment_code").filter(application=application).first()
    if current is not None and (current.code_usable or current.enrolled):
        return current
    note, code, row = "", "", None
    try:
        with transaction.atomic():
            if current is not None and current.enrolment_code is not None:
                current.enrolment_code.delete()  # expired and unused: its prefix is free again
            code, row = enrolment_code_issue(segment=_segment(application), name=application.title)
            if row.role != application.node_type:
                raise ValidationError({"role": _("本节点不负责该类节点的接入。")})
    except ValidationError as error:
        code, row = "", None
        note = _("本节点不能为该节点签发接入码（%(reason)s），由其上级节点组织对接联调。") % {
            "reason": "；".join(error.messages)
        }
    values = {"enrolment_code": row, "code": code, "node_prefix": row.prefix if row else "", "note": note}
    values["issued_at"] = timezone.now()
    enrolment, _created = IntegrationEnrolment.objects.update_or_create(application=application, defaults=values)
    # the applicant hears of it with the stage change (对接联调); the status page shows the code
    return enrolment


@transaction.atomic
def selftest_record(*, peer: Peer, payload: dict, idempotency_key: str) -> tuple[SelfTestRun, bool]:
    """A transcript from an enrolled node: attached to the 对接联调 task of the application that enrolled it."""
    enrolment = (
        IntegrationEnrolment.objects.select_related("application")
        .filter(node_prefix=peer.prefix, enrolment_code__isnull=False)
        .first()
    )
    if enrolment is None:
        raise SelfTestRefused(404, {"node": [_("没有与该节点对应的节点申报。")]})
    existing = SelfTestRun.objects.filter(node_prefix=peer.prefix, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    application = NodeApplication.objects.select_for_update().get(pk=enrolment.application_id)
    if application.stage != Stage.INTEGRATION_TESTING:
        raise SelfTestRefused(409, {"application": [_("该申报不在对接联调环节。")]})
    task = ReviewTask.objects.filter(
        application=application, kind=TaskKind.INTEGRATION_TESTING, status=TaskStatus.OPEN
    ).first()
    steps = _clean_steps(payload.get("steps"))
    ok = bool(steps) and bool(payload.get("ok")) and all(step["ok"] for step in steps)
    try:
        with transaction.atomic():
            run = SelfTestRun.objects.create(
                application=application,
                task=task,
                node_prefix=peer.prefix,
                ok=ok,
                steps=steps,
                started_at=_instant(payload.get("started_at")),
                finished_at=_instant(payload.get("finished_at")),
                idempotency_key=idempotency_key,
            )
    except IntegrityError:  # the same transcript arriving twice at once
        return SelfTestRun.objects.get(node_prefix=peer.prefix, idempotency_key=idempotency_key), False
    IntegrationEnrolment.objects.filter(pk=enrolment.pk).update(code="")  # used: no longer shown
    failed = "、".join(step["label"] for step in steps if not step["ok"])
    _record(
        application=application,
        task=task,
        action="integration_testing:selftest",
        label=_("收到对接联调自测记录：全部通过")
        if ok
        else _("收到对接联调自测记录：未通过（%(steps)s）") % {"steps": failed},
        actor=None,
        now=timezone.now(),
    )
    return run, True


def _instant(value) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return timezone.now()
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _clean_steps(steps) -> list[dict]:
    """The transcript's steps, bounded and typed (it comes from another node)."""
    if not isinstance(steps, list):
        raise SelfTestRefused(400, {"steps": [_("自测记录应包含步骤列表。")]})
    cleaned = []
    for step in steps[:20]:
        if not isinstance(step, dict):
            raise SelfTestRefused(400, {"steps": [_("自测记录的步骤格式不正确。")]})
        cleaned.append(
            {
                "name": str(step.get("name", ""))[:32],
                "label": str(step.get("label", ""))[:64],
                "started_at": str(step.get("started_at", ""))[:40],
                "duration_ms": int(step.get("duration_ms") or 0) if str(step.get("duration_ms", "")).isdigit() else 0,
                "ok": step.get("ok") is True,
                "detail": str(step.get("detail", ""))[:500],
                "error": str(step.get("error", ""))[:1000],
            }
        )
    return cleaned


def selftest_latest(*, application: NodeApplication) -> SelfTestRun | None:
    return application.selftest_runs.order_by("-received_at", "-pk").first()


def integration_testing_rules(*, application, task, decision, opinion, now) -> str:
    """Pass only on a successful self-test run, unless the reviewer records why (kept in the opinion)."""
    if decision == "pass":
        latest = selftest_latest(application=application)
        if latest is None or not latest.ok:
            if not opinion:
                raise ValidationError(
                    {"opinion": _("没有全部通过的对接联调自测记录：如仍判定通过，请在意见中写明理由。")}
                )
            return _("【无全部通过的自测记录，审核人说明理由】%(opinion)s") % {"opinion": opinion}
        return _("【依据 %(at)s 的自测记录（全部通过）】%(opinion)s") % {
            "at": f"{timezone.localtime(latest.finished_at):%Y-%m-%d %H:%M}",
            "opinion": opinion,
        }
    integration_enrolment_issue(application=application)  # a code that expired unused is renewed
    return opinion


def construction_rules(*, application, task, decision, opinion, now) -> str:
    """Construction complete: the application goes to 对接联调, so the new node gets its enrolment code."""
    integration_enrolment_issue(application=application)
    return opinion
