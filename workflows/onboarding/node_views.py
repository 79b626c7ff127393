"""The views the onboarding flows' nodes declare (``flow.Start(...)``, ``flow.View(...)``): thin form
views that call one service and then ``request.activation.execute()``. The page views (views.py)
route to them inside the process lock and one transaction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from catalog.models import Provider
from infra.form_errors import errors_to_form

from . import forms, line_services, selectors, services
from .models import Decision

# --- node views ---------------------------------------------------------------------------


class NodeFormView(FormView):
    """A form for one flow node: ``perform(form)`` calls the service, then the task completes."""

    template_name = "onboarding/task_form.html"
    success_message = gettext_lazy("已办理。")

    @property
    def activation(self):
        return self.request.activation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        process = self.activation.process
        context.update(
            flow_key=self.activation.flow_class.flow_key,
            title=self.activation.flow_task.task_title,
            flow_title=self.activation.flow_class.process_title,
        )
        if self.activation.task.pk:  # a task of a running process (not the start form)
            context.update(process=process, application=process.request, events=selectors.event_list(process=process))
        return context

    def perform(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except ValidationError as error:
            errors_to_form(form, error)
            return self.form_invalid(form)
        self.activation.execute()
        messages.success(self.request, self.success_message)
        process = self.activation.process
        return HttpResponseRedirect(
            reverse("onboarding:process", args=[self.activation.flow_class.flow_key, process.pk])
        )


class DecisionMixin:
    form_class = forms.DecisionForm
    success_message = gettext_lazy("已办理，审核结论已通知申请单位。")

    def get_initial(self):
        return {"decision": Decision.APPROVE}


# Provider onboarding


class ProviderApplyView(NodeFormView):
    form_class = forms.ProviderApplicationForm
    template_name = "onboarding/provider_application_form.html"
    success_message = gettext_lazy("入网入市申请已提交，请等待节点运营人员认证。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sites"] = kwargs.get("sites") or forms.SiteFormSet(prefix="sites")
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        sites = forms.SiteFormSet(request.POST, prefix="sites")
        if form.is_valid() and sites.is_valid():
            self.sites = forms.sites_from(sites)
            return self.form_valid(form)
        return self.render_to_response(self.get_context_data(form=form, sites=sites))

    def perform(self, form):
        process = self.activation.process
        process.save()
        data = form.cleaned_data
        services.provider_application_submit(
            process=process,
            organization=self.request.user.organization,
            actor=self.request.user,
            kinds={name: data[name] for name in services.KIND_FIELDS},
            licences=data["licences"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            sites=self.sites,
            document=data.get("document"),
        )


class ProviderReviseView(NodeFormView):
    form_class = forms.ProviderReviseForm
    success_message = gettext_lazy("已重新提交，请等待节点运营人员认证。")

    def get_initial(self):
        application = self.activation.process.request
        return {
            "licences": application.licences,
            "contact_name": application.contact_name,
            "contact_phone": application.contact_phone,
        }

    def perform(self, form):
        services.provider_application_revise(
            application=self.activation.process.request, actor=self.request.user, **form.cleaned_data
        )


class ProviderCertifyView(DecisionMixin, NodeFormView):
    def perform(self, form):
        services.provider_application_decide(
            application=self.activation.process.request, actor=self.request.user, **form.cleaned_data
        )


# Reseller qualification


class ResellerApplyView(NodeFormView):
    form_class = forms.ResellerApplicationForm
    success_message = gettext_lazy("转售调度资格申请已提交，请等待节点运营人员认证。")

    def perform(self, form):
        process = self.activation.process
        process.save()
        services.reseller_application_submit(
            process=process, organization=self.request.user.organization, actor=self.request.user, **form.cleaned_data
        )


class ResellerReviseView(NodeFormView):
    form_class = forms.ResellerApplicationForm
    success_message = gettext_lazy("已重新提交，请等待节点运营人员认证。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.activation.process.request}

    def perform(self, form):
        services.reseller_application_revise(
            application=self.activation.process.request, actor=self.request.user, **form.cleaned_data
        )


class ResellerCertifyView(DecisionMixin, NodeFormView):
    form_class = forms.ResellerDecisionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "requested_years": self.activation.process.request.requested_years}

    def perform(self, form):
        services.reseller_application_decide(
            application=self.activation.process.request, actor=self.request.user, **form.cleaned_data
        )


# Line opening (flow 11)


class LineApplyView(NodeFormView):
    form_class = forms.LineForm
    success_message = gettext_lazy("线路开通申请已提交，审核通过后线路将出现在算力选择中。")

    def perform(self, form):
        process = self.activation.process
        process.save()
        line_services.line_application_submit(
            process=process,
            provider=Provider.objects.get(organization=self.request.user.organization),
            actor=self.request.user,
            external_id=form.cleaned_data["external_id"],
            data=form.line_data(),
        )


class LineReviseView(NodeFormView):
    form_class = forms.LineReviseForm
    success_message = gettext_lazy("已重新提交，请等待节点运营人员审核。")

    def get_form_kwargs(self):
        # a copy: the form must not change the catalogue row itself (the service does)
        line = type(self.activation.process.request.line).objects.get(pk=self.activation.process.request.line_id)
        return {**super().get_form_kwargs(), "instance": line}

    def perform(self, form):
        line_services.line_application_revise(
            application=self.activation.process.request, actor=self.request.user, data=form.line_data()
        )


class LineApproveView(DecisionMixin, NodeFormView):
    def perform(self, form):
        line_services.line_application_decide(
            application=self.activation.process.request, actor=self.request.user, **form.cleaned_data
        )
