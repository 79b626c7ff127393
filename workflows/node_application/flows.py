"""The node application review process (节点申报) on Viewflow.

Nodes are in execution order, grouped by who acts. Human steps are ``Review`` handles (a Viewflow
task plus the reviewers' ``ReviewTask``), completed from the services (``services.task_act`` for
reviewers, ``application_submit`` / ``application_request_name_prereview`` for the applicant).
Branch conditions are properties of ``NodeApplicationProcess`` and read the campaign's rules as frozen
when the application was submitted (``campaign_rules.rules_for``): which optional stages apply (municipal
review, national-platform registration, paper copies) and, for the municipal and provincial reviews, whether
one body acts or all of them in parallel. A review by all bodies is a Split of one task per department joined
under ``select_for_update_lock`` (the process row), so two departments acting at the same moment join exactly
once.
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

    process_title = _("节点申报审核流程")  # the docstring's first line, but translated (audit log, inbox under /en/)
    process_class = NodeApplicationProcess
    lock_impl = lock.select_for_update_lock

    # applicant: drafts, reports the industry name (Hebei), submits and resubmits after a return
    start = flow.StartHandle(this.start_process).Next(this.prepare)
    prepare = flow.Handle(this.applicant_acted).Annotation(title=_("填报与提交")).Next(this.route_submission)
    route_submission = (
        flow.Switch()
        .Case(this.name_prereview, act.process.requests_name_prereview)
        .Case(this.municipal_review_route, act.process.needs_municipal_review)
        .Case(this.national_registration, act.process.resubmitted_to_national_registration)
        .Default(this.provincial_review_route)
    )

    # provincial industry & IT department: industry-name pre-review (Hebei), back to the applicant
    name_prereview = Review(this.decide, kind=TaskKind.NAME_PREREVIEW).Next(this.prepare)

    # city bureaus: initial review and recommendation (industry nodes where the campaign has it), by any one
    # of the city's bodies or by both in parallel
    municipal_review_route = (
        flow.If(act.process.municipal_review_by_all).Then(this.municipal_split).Else(this.municipal_review)
    )
    municipal_review = Review(this.decide, kind=TaskKind.MUNICIPAL_REVIEW).Next(this.after_municipal_review)
    municipal_split = (
        flow.Split().Always(this.municipal_review_by_economy_it).Always(this.municipal_review_by_communications)
    )
    municipal_review_by_economy_it = Review(
        this.decide, kind=TaskKind.MUNICIPAL_REVIEW, department=DepartmentKind.MUNICIPAL_ECONOMY_IT
    ).Next(this.join_municipal_reviews)
    municipal_review_by_communications = Review(
        this.decide, kind=TaskKind.MUNICIPAL_REVIEW, department=DepartmentKind.MUNICIPAL_COMMUNICATIONS_OFFICE
    ).Next(this.join_municipal_reviews)
    join_municipal_reviews = flow.Join(continue_on_condition=this.municipal_review_stopped).Next(
        this.after_municipal_join
    )
    after_municipal_join = (
        flow.If(act.process.recommended).Then(this.municipal_review_passed).Else(this.after_municipal_review)
    )
    municipal_review_passed = flow.Function(this.record_municipal_approval).Next(this.provincial_review_route)
    after_municipal_review = (
        flow.Switch()
        .Case(this.provincial_review_route, act.process.recommended)
        .Case(this.prepare, act.process.returned)
        .Default(this.not_recommended)
    )

    # province: review by one department, or joint review by both in parallel (either may return it)
    provincial_review_route = (
        flow.If(act.process.provincial_review_by_all).Then(this.joint_review).Else(this.provincial_review)
    )
    provincial_review = Review(this.decide, kind=TaskKind.PROVINCIAL_REVIEW).Next(this.after_joint_review)
    joint_review = flow.Split().Always(this.review_by_communications).Always(this.review_by_industry_it)
    review_by_communications = Review(
        this.decide, kind=TaskKind.PROVINCIAL_REVIEW, department=DepartmentKind.COMMUNICATIONS_ADMINISTRATION
    ).Next(this.join_reviews)
    review_by_industry_it = Review(
        this.decide, kind=TaskKind.PROVINCIAL_REVIEW, department=DepartmentKind.INDUSTRY_IT
    ).Next(this.join_reviews)
    join_reviews = flow.Join(continue_on_condition=this.joint_review_returned).Next(this.after_joint_review)
    after_joint_review = flow.If(act.process.returned).Then(this.prepare).Else(this.joint_review_passed)
    joint_review_passed = flow.Function(this.record_joint_approval).Next(this.check_national_registration)

    # province: optional stages of the campaign before the ministry submission
    check_national_registration = (
        flow.If(act.process.needs_national_registration).Then(this.national_registration).Else(this.check_paper_copies)
    )
    # (the applicant recorded its registration before submitting; the communications administration checks it)
    national_registration = Review(this.decide, kind=TaskKind.NATIONAL_REGISTRATION).Next(
        this.after_national_registration
    )
    after_national_registration = flow.If(act.process.returned).Then(this.prepare).Else(this.check_paper_copies)
    # (paper copies already registered as received while earlier stages ran skip this step; none by the
    # campaign's deadline: ``paper_copies.paper_copies_abandon_overdue`` ends the process)
    check_paper_copies = flow.If(act.process.needs_paper_copies).Then(this.paper_copies).Else(this.ministry_submission)
    paper_copies = Review(this.decide, kind=TaskKind.PAPER_COPIES).Next(this.ministry_submission)

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

    def municipal_review_stopped(self, activation, active_tasks) -> bool:
        return activation.process.decision in ("return", "not_recommend")

    def record_municipal_approval(self, activation):
        review.municipal_review_passed(process=activation.process)

    def record_joint_approval(self, activation):
        review.joint_review_passed(process=activation.process)
