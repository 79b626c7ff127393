"""Pages of the onboarding processes.

Two layers:

- node views (``ProviderApplyView``, ``ProviderCertifyView``, ...) are what the flow nodes declare
  (``flow.Start(...)``, ``flow.View(...)``): thin form views that call one service and then
  ``request.activation.execute()``;
- page views (``inbox``, ``start``, ``task``, ``process_detail``) route to them: they find the
  process and task the user may see (otherwise 404), check that the user may act (otherwise 403),
  take the task for the node operator who opens it, run the node view inside the process lock and
  one transaction (bad input rolls everything back), and answer a second action on a finished task
  with a clear message (409) instead of an error.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from viewflow.workflow import STATUS
from viewflow.workflow.exceptions import FlowLockFailed

from catalog.models import Provider

from . import forms, selectors, services
from .models import Decision

TASK_STATUS_LABELS = {
    STATUS.NEW: gettext_lazy("待办理"),
    STATUS.ASSIGNED: gettext_lazy("已受理"),
    STATUS.STARTED: gettext_lazy("办理中"),
    STATUS.DONE: gettext_lazy("已完成"),
    STATUS.CANCELED: gettext_lazy("已取消"),
    STATUS.ERROR: gettext_lazy("出错"),
}
FLOW_TITLES = {
    "provider": gettext_lazy("入网入市"),
    "reseller": gettext_lazy("转售调度资格"),
    "line": gettext_lazy("线路开通"),
}


def _flows() -> dict:
    from .flows import FLOWS  # flows.py imports this module for its node views

    return FLOWS


def _flow_key(flow_class) -> str:
    return next(key for key, value in _flows().items() if value is flow_class)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
            flow_key=_flow_key(self.activation.flow_class),
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
            _add_errors(form, error)
            return self.form_invalid(form)
        self.activation.execute()
        messages.success(self.request, self.success_message)
        process = self.activation.process
        return HttpResponseRedirect(
            reverse("onboarding:process", args=[_flow_key(self.activation.flow_class), process.pk])
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
        services.line_application_submit(
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
        services.line_application_revise(
            application=self.activation.process.request, actor=self.request.user, data=form.line_data()
        )


class LineApproveView(DecisionMixin, NodeFormView):
    def perform(self, form):
        services.line_application_decide(
            application=self.activation.process.request, actor=self.request.user, **form.cleaned_data
        )


# --- page views ---------------------------------------------------------------------------


def _flow_or_404(flow_key: str):
    flow_class = _flows().get(flow_key)
    if flow_class is None:
        raise Http404
    return flow_class


def _finished(request, *, flow_key: str, process, task):
    """A task that is no longer open: say so (409 for an attempt to act), never a server error."""
    return render(
        request,
        "onboarding/task_finished.html",
        {"flow_key": flow_key, "process": process, "task": task},
        status=409 if request.method == "POST" else 200,
    )


@login_required
def inbox(request):
    flows = _flows()
    starts = [
        {"key": key, "title": FLOW_TITLES[key], "url": reverse("onboarding:start", args=[key])}
        for key, flow_class in flows.items()
        if flow_class.register.can_execute(request.user)
    ]
    tasks = selectors.task_list_for_user(user=request.user, flow_classes=flows.values())
    processes = [
        (key, process)
        for key, flow_class in flows.items()
        for process in selectors.process_list_for_user(user=request.user, flow_class=flow_class)
    ]
    if not (starts or tasks or processes):
        raise Http404
    rows = [{"task": task, "flow_key": _flow_key(task.process.flow_class)} for task in tasks]
    return render(request, "onboarding/inbox.html", {"starts": starts, "tasks": rows, "processes": processes})


@login_required
def start(request, flow_key: str):
    flow_class = _flow_or_404(flow_key)
    node = flow_class.register
    if not node.can_execute(request.user):
        return render(request, "onboarding/start_denied.html", {"flow_key": flow_key}, status=403)
    request.activation = node.activation_class.create(node, None, None)
    if request.method != "POST":
        return node.start_view(request)
    with transaction.atomic():
        request.activation.start(request)
        response = node.start_view(request)
        if not isinstance(response, HttpResponseRedirect):
            transaction.set_rollback(True)
    return response


@login_required
def process_detail(request, flow_key: str, pk: int):
    flow_class = _flow_or_404(flow_key)
    process = selectors.process_get_for_user(user=request.user, flow_class=flow_class, pk=pk)
    if process is None:
        raise Http404
    tasks = list(process.task_set.select_related("owner").order_by("created", "pk"))
    for item in tasks:
        item.status_label = TASK_STATUS_LABELS.get(item.status, item.status)
    open_tasks = [task for task in tasks if selectors.task_may_act(user=request.user, task=task)]
    context = {
        "flow_key": flow_key,
        "flow_title": flow_class.process_title,
        "process": process,
        "application": process.request,
        "events": selectors.event_list(process=process),
        "tasks": tasks,
        "open_tasks": open_tasks,
    }
    if flow_key == "provider":
        context["sites"] = process.request.sites.all()
        if process.request.decision == Decision.APPROVE:
            context["identifiers"] = selectors.provider_identifier_list(provider=process.request.provider)
    return render(request, "onboarding/process_detail.html", context)


@login_required
def task(request, flow_key: str, process_pk: int, task_pk: int):
    flow_class = _flow_or_404(flow_key)
    process = selectors.process_get_for_user(user=request.user, flow_class=flow_class, pk=process_pk)
    if process is None:
        raise Http404
    task = flow_class.task_class.objects.filter(pk=task_pk, process_id=process.pk).first()
    if task is None or not hasattr(task.flow_task, "view"):
        raise Http404
    node = task.flow_task
    if task.status not in selectors.OPEN:
        return _finished(request, flow_key=flow_key, process=process, task=task)
    if not selectors.task_may_act(user=request.user, task=task):
        return render(
            request, "onboarding/task_denied.html", {"flow_key": flow_key, "process": process, "task": task}, status=403
        )
    kwargs = {"process_pk": process.pk, "task_pk": task.pk}
    if request.method != "POST":
        request.activation = node.activation_class(task)
        return node.view(request, **kwargs)
    try:
        with flow_class.lock(process.pk), transaction.atomic():
            task = flow_class.task_class.objects.get(pk=task.pk)  # as it is now, under the lock
            if task.status not in selectors.OPEN:
                return _finished(request, flow_key=flow_key, process=process, task=task)
            if not selectors.task_may_act(user=request.user, task=task):
                return _finished(request, flow_key=flow_key, process=process, task=task)
            activation = node.activation_class(task)
            request.activation = activation
            if task.status == STATUS.NEW:
                activation.assign(request.user)
            if task.status == STATUS.ASSIGNED:
                activation.start(request)
            response = node.view(request, **kwargs)
            if not isinstance(response, HttpResponseRedirect):  # bad input: not even the assignment stays
                transaction.set_rollback(True)
            return response
    except FlowLockFailed:
        messages.error(request, _("另一位人员正在办理此任务，请稍后再试。"))
        return HttpResponseRedirect(reverse("onboarding:process", args=[flow_key, process.pk]))
