"""Pages of the onboarding processes.

Two layers:

- node views (node_views.py: ``ProviderApplyView``, ``ProviderCertifyView``, ...) are what the flow
  nodes declare (``flow.Start(...)``, ``flow.View(...)``): thin form views that call one service and
  then ``request.activation.execute()``;
- page views (``inbox``, ``start``, ``task``, ``process_detail``) route to them: they find the
  process and task the user may see (otherwise 404), check that the user may act (otherwise 403),
  take the task for the node operator who opens it, run the node view inside the process lock and
  one transaction (bad input rolls everything back), and answer a second action on a finished task
  with a clear message (409) instead of an error.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow import STATUS
from viewflow.workflow.exceptions import FlowLockFailed

from . import selectors
from .flows import FLOWS
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


# --- page views ---------------------------------------------------------------------------


def _flow_or_404(flow_key: str):
    flow_class = FLOWS.get(flow_key)
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
    flows = FLOWS
    starts = [
        {"key": key, "title": FLOW_TITLES[key], "url": reverse("onboarding:start", args=[key])}
        for key, flow_class in flows.items()
        if flow_class.register.can_execute(request.user)
    ]
    tasks = selectors.task_list_for_user(user=request.user, flow_classes=flows.values())
    processes = [
        {"flow_key": key, "process": process, "status": selectors.process_status_label(process=process)}
        for key, flow_class in flows.items()
        for process in selectors.process_list_for_user(user=request.user, flow_class=flow_class)
    ]
    if not (starts or tasks or processes):
        raise Http404
    rows = [{"task": task, "flow_key": task.process.flow_class.flow_key} for task in tasks]
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
        "status": selectors.process_status_label(process=process),
        "application": process.request,
        "events": selectors.event_list(process=process),
        "tasks": tasks,
        "open_tasks": open_tasks,
    }
    if flow_key == "reseller":
        context["qualification"] = getattr(process.request, "qualification", None)
        context["may_revoke"] = request.user.has_perm("onboarding.certify")
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
