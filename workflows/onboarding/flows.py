"""The onboarding processes, each read top to bottom like the process itself (Viewflow 2)."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act, flow, lock

from . import line_services, node_views, services
from .models import LineProviderOnboardingProcess, ProviderOnboardingProcess, ResellerQualificationProcess

CERTIFY_PERMISSION = "onboarding.certify"


class ProviderOnboardingFlow(flow.Flow):
    """入网入市

    算力服务商注册申请 → 节点运营人员认证 → 发放算力标识 → 国家节点备案 → 上架算力目录。
    """

    process_class = ProviderOnboardingProcess
    lock_impl = lock.select_for_update_lock
    flow_key = "provider"  # in the /onboarding/<flow_key>/ URLs

    # organisation
    register = (
        flow.Start(node_views.ProviderApplyView.as_view())
        .Annotation(title=_("提交入网入市申请"))
        .Permission("onboarding.apply_provider")
        .Next(this.certify)
    )
    revise = (
        flow.View(node_views.ProviderReviseView.as_view())
        .Annotation(title=_("补充材料"))
        .Assign(this.applicant)
        .Next(this.certify)
    )
    # node operator
    certify = (
        flow.View(node_views.ProviderCertifyView.as_view())
        .Annotation(title=_("入网认证"))
        .Permission(CERTIFY_PERMISSION)
        .Next(this.check_decision)
    )
    check_decision = (
        flow.Switch()
        .Annotation(title=_("认证结论"))
        .Case(this.issue_identifiers, act.process.approved)
        .Case(this.revise, act.process.returned)
        .Default(this.rejected)
    )
    # node (automatic)
    issue_identifiers = (
        flow.Function(this.identifiers_issue).Annotation(title=_("发放算力标识")).Next(this.file_with_national_node)
    )
    file_with_national_node = (
        flow.Function(this.identifiers_file).Annotation(title=_("国家节点备案")).Next(this.list_in_catalogue)
    )
    list_in_catalogue = flow.Function(this.records_list).Annotation(title=_("上架算力目录")).Next(this.listed)
    listed = flow.End().Annotation(title=_("已入网入市"))
    rejected = flow.End().Annotation(title=_("未通过"))

    def applicant(self, activation):
        return activation.process.request.submitted_by

    def identifiers_issue(self, activation):
        services.provider_identifiers_issue(application=activation.process.request, actor=None)

    def identifiers_file(self, activation):
        services.provider_identifiers_file(application=activation.process.request)

    def records_list(self, activation):
        services.provider_records_list(application=activation.process.request, actor=None)


class ResellerQualificationFlow(flow.Flow):
    """转售调度资格

    算力转售调度服务商注册申请 → 节点运营人员认证 → 授予有效期内的转售调度资格。
    """

    process_class = ResellerQualificationProcess
    lock_impl = lock.select_for_update_lock
    flow_key = "reseller"  # in the /onboarding/<flow_key>/ URLs

    # organisation
    register = (
        flow.Start(node_views.ResellerApplyView.as_view())
        .Annotation(title=_("提交转售调度资格申请"))
        .Permission("onboarding.apply_reseller")
        .Next(this.certify)
    )
    revise = (
        flow.View(node_views.ResellerReviseView.as_view())
        .Annotation(title=_("补充材料"))
        .Assign(this.applicant)
        .Next(this.certify)
    )
    # node operator
    certify = (
        flow.View(node_views.ResellerCertifyView.as_view())
        .Annotation(title=_("资格认证"))
        .Permission(CERTIFY_PERMISSION)
        .Next(this.check_decision)
    )
    check_decision = (
        flow.Switch()
        .Annotation(title=_("认证结论"))
        .Case(this.grant, act.process.approved)
        .Case(this.revise, act.process.returned)
        .Default(this.close_rejected)
    )
    # node (automatic)
    grant = flow.Function(this.qualification_grant).Annotation(title=_("授予资格")).Next(this.qualified)
    close_rejected = flow.Function(this.application_close).Annotation(title=_("结束申请")).Next(this.rejected)
    qualified = flow.End().Annotation(title=_("已获得资格"))
    rejected = flow.End().Annotation(title=_("未通过"))

    def applicant(self, activation):
        return activation.process.request.submitted_by

    def qualification_grant(self, activation):
        services.reseller_qualification_grant(application=activation.process.request)

    def application_close(self, activation):
        services.reseller_application_close_unapproved(application=activation.process.request)


class LineProviderOnboardingFlow(flow.Flow):
    """线路开通

    已认证的网络线路提供商申请开通线路 → 节点运营人员审核 → 线路上架（进入算力选择）并发放算力标识。
    """

    process_class = LineProviderOnboardingProcess
    lock_impl = lock.select_for_update_lock
    flow_key = "line"  # in the /onboarding/<flow_key>/ URLs

    # line provider
    register = (
        flow.Start(node_views.LineApplyView.as_view())
        .Annotation(title=_("提交线路开通申请"))
        .Permission("onboarding.open_line")
        .Next(this.approve)
    )
    revise = (
        flow.View(node_views.LineReviseView.as_view())
        .Annotation(title=_("修改线路信息"))
        .Assign(this.applicant)
        .Next(this.approve)
    )
    # node operator
    approve = (
        flow.View(node_views.LineApproveView.as_view())
        .Annotation(title=_("线路审核"))
        .Permission(CERTIFY_PERMISSION)
        .Next(this.check_decision)
    )
    check_decision = (
        flow.Switch()
        .Annotation(title=_("审核结论"))
        .Case(this.open_line, act.process.approved)
        .Case(this.revise, act.process.returned)
        .Default(this.rejected)
    )
    # node (automatic)
    open_line = flow.Function(this.line_open).Annotation(title=_("线路上架")).Next(this.opened)
    opened = flow.End().Annotation(title=_("已开通"))
    rejected = flow.End().Annotation(title=_("未通过"))

    def applicant(self, activation):
        return activation.process.request.submitted_by

    def line_open(self, activation):
        line_services.line_open(application=activation.process.request, actor=None)


FLOWS = {
    flow_class.flow_key: flow_class
    for flow_class in (ProviderOnboardingFlow, ResellerQualificationFlow, LineProviderOnboardingFlow)
}
