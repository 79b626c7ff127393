"""DemandFlow: a user's compute demand from submission to a provider's confirmation (flows 3, 5, 6).

submit → match → (offers?) → accept → schedule → confirm ⟲ → scheduled
                  no offers → unmatched         a provider declines → accept again, or unfulfilled
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act, flow
from viewflow.workflow.lock import select_for_update_lock

from organizations.predicates import is_node_operator

from . import services, views
from .models import DemandProcess


class DemandFlow(flow.Flow):
    """算力需求与调度

    用户提交算力需求，节点给出排序的匹配方案；用户选择方案后由服务商确认调度。
    """

    process_title = _("算力需求与调度")  # the docstring's first line, but translated (audit log, inbox under /en/)
    process_class = DemandProcess
    lock_impl = select_for_update_lock

    # user
    submit = (
        flow.Start(views.DemandCreateView.as_view())
        .Annotation(title=_("提交算力需求"))
        .Available(lambda user: user.is_authenticated)
        .Next(this.match)
    )

    # service center: query aggregation and selection (flows 5, 6)
    match = flow.Function(this.compute_matches).Annotation(title=_("匹配算力与网络")).Next(this.check_matched)
    check_matched = flow.If(act.process.has_open_matches).Then(this.accept).Else(this.unmatched)

    # user
    accept = (
        flow.View(views.AcceptTaskView.as_view())
        .Annotation(title=_("选择匹配方案"))
        .Assign(lambda activation: activation.process.demand.user)
        .Next(this.schedule)
    )

    # service center
    schedule = flow.Function(this.create_scheduling_records).Annotation(title=_("生成调度记录")).Next(this.confirm)

    # provider (or reseller) of the accepted resources, one provider after another
    confirm = (
        flow.View(views.ConfirmTaskView.as_view())
        .Annotation(title=_("服务商确认调度"))
        .Permission("demand.confirm_match", obj=lambda process: process.accepted_match)
        .Next(this.check_confirmed)
    )
    check_confirmed = (
        flow.Switch()
        .Case(this.confirm, act.process.awaiting_confirmation)
        .Case(this.scheduled, act.process.all_confirmed)
        .Case(this.accept, act.process.has_open_matches)
        .Default(this.unfulfilled)
    )

    scheduled = flow.End().Annotation(title=_("调度完成"))
    unmatched = flow.End().Annotation(title=_("暂无匹配"))
    unfulfilled = flow.End().Annotation(title=_("未能调度"))

    def has_view_permission(self, user, obj=None) -> bool:
        """Viewflow's own process pages (dashboard, lists, chart) are for the node's operators;
        users and providers work on /demands/ and /demands/scheduling/."""
        return user.is_authenticated and (user.is_superuser or is_node_operator(user))

    def compute_matches(self, activation):
        services.demand_match(demand=activation.process.demand)

    def create_scheduling_records(self, activation):
        services.scheduling_create(demand=activation.process.demand)
