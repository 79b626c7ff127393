"""The glue between the services and ``NodeApplicationFlow``: the process lock, opening and completing tasks.

Every service that moves an application along its route takes the flow's lock first (Viewflow's
``select_for_update_lock`` on the process row), then the application row, then runs one node of the
flow; the flow decides where the application goes next and opens the next tasks through
``review_task_open``.
"""

import contextlib
import dataclasses
import datetime

from viewflow.workflow.fields import import_flow_by_ref
from viewflow.workflow.status import STATUS

from organizations.models import AuthorityLevel, DepartmentKind, User

from ..models import NodeApplication, ReviewTask, TaskKind, TaskStatus
from .common import _lock, _move, _province_code

# NodeApplicationFlow as Viewflow refers to it (``Process.flow_class`` holds this for every process row)
FLOW_REF = "node_application/flows.NodeApplicationFlow"


def flow_class():
    """NodeApplicationFlow, by the reference Viewflow keeps on every process row (``Process.flow_class``):
    flows.py imports these services for its node bodies, so they do not import flows.py."""
    return import_flow_by_ref(FLOW_REF)


@contextlib.contextmanager
def locked(application: NodeApplication):
    """Lock the process row (Viewflow's lock), then the application row; one transaction."""
    with flow_class().lock(application.process_id):
        yield _lock(application)


def remember(process, *, decision: str, actor: User | None, now: datetime.datetime) -> None:
    """The last action on the process: what the flow's branch conditions read."""
    process.data = {"decision": decision, "actor": actor.pk if actor else None, "at": now.isoformat()}
    process.save(update_fields=["data"])


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """Who works on a task of this kind: level, department, the place, and the campaign date it is due."""

    level: str
    department: str = ""
    where: str = "province"  # province | application | country
    due: str | None = None  # a Campaign date field, or "publicity_ends_at" of the application


TASK_SPECS = {
    TaskKind.NAME_PREREVIEW: TaskSpec(
        AuthorityLevel.PROVINCE, DepartmentKind.INDUSTRY_IT, due="industry_name_prereview_deadline"
    ),
    TaskKind.MUNICIPAL_REVIEW: TaskSpec(AuthorityLevel.CITY, where="application", due="municipal_review_ends_at"),
    TaskKind.PROVINCIAL_REVIEW: TaskSpec(AuthorityLevel.PROVINCE, due="provincial_review_ends_at"),
    TaskKind.NATIONAL_REGISTRATION: TaskSpec(AuthorityLevel.PROVINCE, DepartmentKind.COMMUNICATIONS_ADMINISTRATION),
    TaskKind.PAPER_COPIES: TaskSpec(
        AuthorityLevel.PROVINCE, DepartmentKind.COMMUNICATIONS_ADMINISTRATION, due="paper_copies_deadline"
    ),
    TaskKind.MINISTRY_SUBMISSION: TaskSpec(AuthorityLevel.PROVINCE, due="ministry_deadline"),
    TaskKind.EXPERT_REVIEW: TaskSpec(AuthorityLevel.MINISTRY, where="country"),
    TaskKind.PUBLICITY: TaskSpec(AuthorityLevel.MINISTRY, where="country", due="publicity_ends_at"),
    TaskKind.CONSTRUCTION: TaskSpec(AuthorityLevel.PROVINCE),
    TaskKind.INTEGRATION_TESTING: TaskSpec(AuthorityLevel.PROVINCE, DepartmentKind.COMMUNICATIONS_ADMINISTRATION),
    TaskKind.ACCEPTANCE: TaskSpec(AuthorityLevel.MINISTRY, where="country"),
}


def review_task_open(*, workflow_task, kind: str, department: str = "") -> ReviewTask:
    """The reviewers' side of a Viewflow task the flow has just created (called from the node's activation)."""
    application = NodeApplication.objects.select_related("campaign").get(process_id=workflow_task.process_id)
    spec = TASK_SPECS[TaskKind(kind)]
    division = {
        "province": _province_code(application),
        "application": application.division_code,
        "country": "",
    }[spec.where]
    due_at = None
    if spec.due == "publicity_ends_at":
        due_at = application.publicity_ends_at
    elif spec.due:
        due_at = getattr(application.campaign, spec.due)
    return ReviewTask.objects.create(
        application=application,
        workflow_task=workflow_task,
        kind=kind,
        level=spec.level,
        department=department or spec.department,
        division_code=division,
        due_at=due_at,
    )


def applicant_step(*, application: NodeApplication, decision: str, actor: User, now: datetime.datetime) -> None:
    """Complete the applicant's open task (``prepare``): submit, resubmit or report the industry name."""
    flow = flow_class()
    task = flow.task_class._default_manager.get(
        process_id=application.process_id, flow_task=flow.prepare, status=STATUS.NEW
    )
    flow.prepare.run(task, decision=decision, actor=actor, now=now)


def process_cancel(*, application: NodeApplication) -> None:
    """Withdrawal: cancel every open Viewflow task and the process."""
    flow = flow_class()
    process = flow.process_class._default_manager.get(pk=application.process_id)
    flow.instance.cancel(process)


def application_close(
    *,
    application: NodeApplication,
    to_stage: str,
    action: str,
    label: str,
    actor: User | None,
    now: datetime.datetime,
    opinion: str = "",
) -> None:
    """Withdrawal or abandonment (under the caller's lock): its open review tasks cancelled, the Viewflow
    process cancelled, the move to the final stage recorded and the applicant told."""
    for task in application.tasks.filter(status=TaskStatus.OPEN):
        task.status = TaskStatus.CANCELLED
        task.save(update_fields=["status"])
    process_cancel(application=application)
    _move(application=application, to_stage=to_stage, action=action, label=label, actor=actor, now=now, opinion=opinion)
