"""The reviewer's workbench: the inbox (待办 / 已办), the task page and its confirmation step, batch recommend.

Every decision is irreversible, so it takes two POSTs: the form, then a confirmation page that says what will
happen and carries the choice in hidden fields (no JavaScript needed); only a POST with ``confirmed`` acts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from infra.form_errors import errors_to_form

from . import inbox as inbox_parts
from . import selectors, services, task_page
from .feedback import errors_to_messages
from .forms import TaskDecisionForm
from .models import TaskKind, TaskStatus

CONFIRM = "confirmed"
INBOX_PAGE_SIZE = 50


def _reviewer_or_404(request):
    if not selectors.is_reviewer(request.user):
        raise Http404


@login_required
def inbox(request):
    if not selectors.is_reviewer(request.user):
        if selectors.is_expert(request.user):  # experts have their own inbox (old links land there)
            return redirect("node_application:expert_inbox")
        raise Http404
    tab = inbox_parts.DONE if request.GET.get("tab") == inbox_parts.DONE else inbox_parts.OPEN
    status = TaskStatus.DONE if tab == inbox_parts.DONE else TaskStatus.OPEN
    base = selectors.task_list_for_user(user=request.user, status=status)
    filterset = inbox_parts.TaskFilter(request.GET or None, queryset=base, user=request.user)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    table_class = inbox_parts.DoneTaskTable if tab == inbox_parts.DONE else inbox_parts.TaskTable
    table = table_class(queryset.select_related("acted_by"))
    RequestConfig(request, paginate={"per_page": INBOX_PAGE_SIZE}).configure(table)
    batch = tab == inbox_parts.OPEN and request.user.authority.level == "city"
    return render(
        request,
        "node_application/review_task_list.html",
        {
            "table": table,
            "filter": filterset,
            "tab": tab,
            "counts": inbox_parts.counts(request.user),
            "batch": batch,
        },
    )


def _render_task(request, task, form, *, status=200):
    context = task_page.context(task, user=request.user)
    context["form"] = form
    return render(request, "node_application/review_task.html", context, status=status)


@login_required
def task_detail(request, pk: int):
    task = selectors.task_get_for_user(user=request.user, pk=pk)
    if task is None:
        done = selectors.done_task_get_for_user(user=request.user, pk=pk)
        if done is None or request.method == "POST":
            raise Http404
        return _render_task(request, done, None)  # read-only: a done task has no form
    form = TaskDecisionForm(request.POST or None, task=task)
    if request.method != "POST" or not form.is_valid() or "back" in request.POST:
        return _render_task(request, task, form)
    decision, opinion = form.cleaned_data["decision"], form.cleaned_data["opinion"]
    if request.POST.get(CONFIRM) != "yes":
        return render(
            request,
            "node_application/review/task_confirm.html",
            {
                "task": task,
                "application": task.application,
                "decision": decision,
                "decision_label": dict(form.fields["decision"].choices)[decision],
                "opinion": opinion,
                "outcome": task_page.outcome_text(task, decision),
            },
        )
    try:
        services.task_act(task=task, actor=request.user, decision=decision, opinion=opinion)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        errors_to_form(form, error)
        return _render_task(request, task, form)
    messages.success(request, _("已办理：%(reference)s。") % {"reference": task.application.reference})
    return redirect("node_application:inbox")


@login_required
@require_POST
def batch_recommend(request):
    _reviewer_or_404(request)
    ids = [int(pk) for pk in request.POST.getlist("task") if pk.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选要推荐的申报。"))
        return redirect("node_application:inbox")
    tasks = list(selectors.task_list_for_user(user=request.user, kind=TaskKind.MUNICIPAL_REVIEW).filter(pk__in=ids))
    if len(tasks) != len(set(ids)):
        raise Http404
    opinion = request.POST.get("opinion", "")
    if request.POST.get(CONFIRM) != "yes":
        return render(
            request,
            "node_application/review/batch_confirm.html",
            {"tasks": tasks, "opinion": opinion},
        )
    try:
        count = services.municipal_batch_recommend(tasks=tasks, actor=request.user, opinion=opinion)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("已批量推荐 %(count)s 个申报。") % {"count": count})
    return redirect("node_application:inbox")
