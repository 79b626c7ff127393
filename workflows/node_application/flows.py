"""The node application review process (节点申报) on Viewflow.

Nodes are in execution order, grouped by who acts. Human steps are ``Review`` handles (a Viewflow
task plus the reviewers' ``ReviewTask``), completed from the services (``services.task_act`` for
reviewers, ``application_submit`` / ``application_request_name_prereview`` for the applicant).
Branch conditions are properties of ``NodeApplicationProcess``. The joint review is a Split of two
parallel department tasks joined under ``select_for_update_lock`` (the process row), so two
departments acting at the same moment join exactly once.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act, flow, lock

from organizations.models import DepartmentKind

from .models import NodeApplicationProcess, TaskKind
from .nodes import Review
from .services import process as steps
from .services import review


class NodeApplicationFlow(flow.Flow):
    """节点申报审核流程

    申报单位填报提交 → 市级初审推荐（行业节点）→ 省级联合复审（通信管理局与工业和信息化主管部门并行）
    → 报送工业和信息化部 → 专家评审 → 公示 → 批准 → 建设实施 → 对接联调 → 验收。
    """

    process_class = NodeApplicationProcess
    lock_impl = lock.select_for_update_lock

    # applicant: drafts, reports the industry name (Hebei), submits and resubmits after a return
    start = flow.StartHandle(this.start_process).Next(this.prepare)
    prepare = flow.Handle(this.applicant_acted).Annotation(title=_("填报与提交")).Next(this.route_submission)
    route_submission = (
        flow.Switch()
        .Case(this.name_prereview, act.process.requests_name_prereview)
        .Case(this.municipal_review, act.process.needs_municipal_review)
        .Default(this.joint_review)
    )

    # provincial industry & IT department: industry-name pre-review (Hebei), back to the applicant
    name_prereview = Review(this.decide, kind=TaskKind.NAME_PREREVIEW).Next(this.prepare)

    # city bureaus: initial review and recommendation (industry nodes where the campaign has it)
    municipal_review = Review(this.decide, kind=TaskKind.MUNICIPAL_REVIEW).Next(this.after_municipal_review)
    after_municipal_review = (
        flow.Switch()
        .Case(this.joint_review, act.process.recommended)
        .Case(this.prepare, act.process.returned)
        .Default(this.not_recommended)
    )

    # province: joint review by both departments in parallel; either may return it
    joint_review = flow.Split().Always(this.review_by_communications).Always(this.review_by_industry_it)
    review_by_communications = Review(
        this.decide, kind=TaskKind.PROVINCIAL_REVIEW, department=DepartmentKind.COMMUNICATIONS_ADMINISTRATION
    ).Next(this.join_reviews)
    review_by_industry_it = Review(
        this.decide, kind=TaskKind.PROVINCIAL_REVIEW, department=DepartmentKind.INDUSTRY_IT
    ).Next(this.join_reviews)
    join_reviews = flow.Join(continue_on_condition=this.joint_review_returned).Next(this.after_joint_review)
    after_joint_review = flow.If(act.process.returned).Then(this.prepare).Else(this.joint_review_passed)
    joint_review_passed = flow.Function(this.record_joint_approval).Next(this.ministry_submission)

    # province: consolidated opinion and the submission package, before the ministry deadline
    ministry_submission = Review(this.decide, kind=TaskKind.MINISTRY_SUBMISSION).Next(this.expert_review)

    # ministry: expert review, publicity with objections, approval
    expert_review = Review(this.decide, kind=TaskKind.EXPERT_REVIEW).Next(this.after_expert_review)
    after_expert_review = flow.If(act.process.approved).Then(this.publicity).Else(this.rejected)
    publicity = Review(this.decide, kind=TaskKind.PUBLICITY).Next(this.after_publicity)
    after_publicity = flow.If(act.process.approved).Then(this.construction).Else(this.rejected)

    # province and ministry: construction, integration testing, acceptance
    construction = Review(this.decide, kind=TaskKind.CONSTRUCTION).Next(this.integration_testing)
    integration_testing = Review(this.decide, kind=TaskKind.INTEGRATION_TESTING).Next(this.after_integration_testing)
    after_integration_testing = flow.If(act.process.approved).Then(this.acceptance).Else(this.integration_testing)
    acceptance = Review(this.decide, kind=TaskKind.ACCEPTANCE).Next(this.after_acceptance)
    after_acceptance = flow.If(act.process.approved).Then(this.accepted).Else(this.acceptance)

    accepted = flow.End()
    rejected = flow.End()
    not_recommended = flow.End()

    # node bodies: each calls a service

    def start_process(self, activation):
        return activation.process

    def applicant_acted(self, activation, *, decision, actor, now):
        steps.remember(activation.process, decision=decision, actor=actor, now=now)

    def decide(self, activation, **kwargs):
        review.decision_apply(process=activation.process, **kwargs)

    def joint_review_returned(self, activation, active_tasks) -> bool:
        return activation.process.returned

    def record_joint_approval(self, activation):
        review.joint_review_passed(process=activation.process)
