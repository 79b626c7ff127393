"""The applicant's status page: a stepper over the application's own route, "what we need from you now" with
the return reason, a timeline written for the applicant (uploads grouped, no hashes) and the dates that apply
to this application ("截至 2026年3月17日 24:00" for deadlines, "2026年3月1日 00:00 起" for starts)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .campaign_rules import rules_for
from .models import APPLICANT_EXPECTED, NodeApplication, NodeType, Stage

DONE, CURRENT, UPCOMING, RETURNED, ENDED = "done", "current", "upcoming", "returned", "ended"


@dataclass
class Step:
    label: str
    stages: tuple[str, ...]
    state: str = UPCOMING


def _route(application: NodeApplication) -> list[Step]:
    """The application's own route, named as its rules (frozen once submitted) name the stages for applicants."""
    rules = rules_for(application)
    steps = []
    if rules.has_name_prereview and application.node_type == NodeType.INDUSTRY:
        steps.append(Step(str(_l("行业名称初核")), (Stage.NAME_PREREVIEW,)))
    steps.append(Step(str(_l("填报与提交")), (Stage.DRAFT, Stage.RETURNED)))
    if rules.municipal_review_for(application.node_type):
        steps.append(Step(str(_l("市级初审推荐")), (Stage.MUNICIPAL_REVIEW,)))
    steps.append(Step(str(_l("省级联合复审")), (Stage.PROVINCIAL_REVIEW,)))
    if rules.national_registration_for(application.node_type):
        steps.append(Step(str(_l("国家平台注册登记")), (Stage.NATIONAL_REGISTRATION,)))
    if rules.has_paper_copies:
        steps.append(Step(str(_l("纸质材料确认")), (Stage.PAPER_COPIES,)))
    steps += [
        Step(str(_l("报送工业和信息化部")), (Stage.MINISTRY_SUBMISSION,)),
        Step(str(_l("专家评审")), (Stage.EXPERT_REVIEW,)),
        Step(str(_l("公示")), (Stage.PUBLICITY,)),
        Step(str(_l("建设实施")), (Stage.CONSTRUCTION,)),
        Step(str(_l("对接联调")), (Stage.INTEGRATION_TESTING,)),
        Step(str(_l("验收")), (Stage.ACCEPTANCE, Stage.ACCEPTED)),
    ]
    for step in steps:
        step.label = rules.stage_name(step.stages[0]) or step.label
    return steps


def stepper(application: NodeApplication, events) -> list[Step]:
    """The route with each step done, current (returned, ended) or upcoming."""
    steps = _route(application)
    stage = application.stage
    ended_at = None
    if stage in (Stage.WITHDRAWN, Stage.NOT_RECOMMENDED, Stage.REJECTED, Stage.ABANDONED):
        # The step it ended at: where the last move came from.
        moves = [e for e in events if e.to_stage == stage]
        ended_at = moves[-1].from_stage if moves else Stage.DRAFT
        stage = ended_at
    if (
        stage == Stage.DRAFT
        and application.campaign.requires_name_prereview(application.node_type)
        and not application.industry_name_approved
    ):
        stage = Stage.NAME_PREREVIEW
    current = next((i for i, s in enumerate(steps) if stage in s.stages), 0)
    for i, step in enumerate(steps):
        if i < current:
            step.state = DONE
        elif i == current:
            if ended_at is not None:
                step.state = ENDED
            elif application.stage == Stage.RETURNED:
                step.state = RETURNED
            elif application.stage == Stage.ACCEPTED:
                step.state = DONE
            else:
                step.state = CURRENT
    return steps


def return_reason(application: NodeApplication, events):
    """The latest return (by a review step) while the application waits for the applicant, else None."""
    if application.stage not in (Stage.RETURNED, Stage.DRAFT):
        return None
    returns = [e for e in events if e.action.endswith(":return")]
    if not returns:
        return None
    last = returns[-1]
    later_submit = any(e.at > last.at and e.action in ("submit", "request_name_prereview") for e in events)
    return None if later_submit else last


def needed_now(application: NodeApplication) -> str:
    if (
        application.stage == Stage.DRAFT
        and application.campaign.requires_name_prereview(application.node_type)
        and not application.industry_name_approved
    ):
        return _("请先填写申报行业并报送行业名称初核，初核通过后再提交申报材料。")
    return str(APPLICANT_EXPECTED.get(application.stage, ""))


@dataclass
class Entry:
    at: datetime.datetime
    label: str
    kind: str = ""
    unit: str = ""
    opinion: str = ""
    items: list[str] = field(default_factory=list)


def timeline(events) -> list[Entry]:
    """The trail as the applicant reads it: consecutive uploads become one entry listing the materials (no
    file hashes, no sizes), consecutive draft saves one entry; opinions of reviewers as they wrote them."""
    entries: list[Entry] = []
    for event in events:
        previous = entries[-1] if entries else None
        if event.action == "upload_material":
            name = event.action_label.split("：", 1)[-1]
            if previous is not None and previous.kind == "upload":
                previous.items.append(name)
                continue
            entry = Entry(event.at, _("上传申报材料"), "upload", event.actor_unit, items=[name])
        elif event.action == "save_draft":
            if previous is not None and previous.kind == "save":
                previous.at = event.at
                continue
            entry = Entry(event.at, _("保存申报表"), "save", event.actor_unit)
        else:
            entry = Entry(event.at, event.action_label, event.action, event.actor_unit, event.opinion)
        entries.append(entry)
    for entry in entries:
        if entry.kind == "upload":
            entry.label = _("上传申报材料 %(count)s 份") % {"count": len(entry.items)}
    return entries


def format_day_time(value: datetime.datetime, *, end: bool) -> str:
    """ "2026年3月17日 24:00" for a deadline at midnight, "2026年3月18日 00:00" for a start at midnight."""
    local = timezone.localtime(value)
    midnight = (local.hour, local.minute, local.second) == (0, 0, 0)
    if end and midnight:
        day, clock = (local - datetime.timedelta(days=1)).date(), "24:00"
    else:
        day, clock = local.date(), f"{local:%H:%M}"
    return _("%(year)s年%(month)s月%(day)s日 %(time)s") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "time": clock,
    }


def dates(application: NodeApplication) -> list[tuple[str, str]]:
    """The campaign dates that apply to this application: a regional application has no municipal or
    industry-name deadline."""
    campaign = application.campaign
    industry = application.node_type == NodeType.INDUSTRY
    rows = [(_("申报开始"), campaign.opens_at, False)]
    if industry and campaign.industry_name_prereview_deadline:
        rows.append((_("行业名称初核截止"), campaign.industry_name_prereview_deadline, True))
    rows.append((_("申报材料截止"), campaign.materials_deadline, True))
    if rules_for(application).municipal_review_for(application.node_type):
        rows.append((_("市级初审截止"), campaign.municipal_review_ends_at, True))
    rows.append((_("省级联合复审截止"), campaign.provincial_review_ends_at, True))
    if rules_for(application).has_paper_copies:
        rows.append((_("纸质材料报送截止"), campaign.paper_copies_deadline, True))
    rows.append((_("报送工业和信息化部截止"), campaign.ministry_deadline, True))
    shown = []
    for label, when, end in rows:
        if when is None:
            continue
        text = format_day_time(when, end=end)
        shown.append((label, _("截至 %(when)s") % {"when": text} if end else _("%(when)s 起") % {"when": text}))
    return shown
