"""The reviewer's inbox: its filters (django-filter, limited to what the reviewer's jurisdiction can hold),
its table (django-tables2) and its counts (open, overdue, due soon, done; for the ministry, objections to handle)."""

import datetime

import django_filters
import django_tables2 as tables
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from infra.language_marks import ChineseOnlyOptionsSelect

from . import deadlines, selectors
from .models import NodeType, Objection, ReviewTask, TaskKind, TaskStatus
from .services.process import TASK_SPECS

DUE_SOON = datetime.timedelta(days=3)
OPEN, DONE = "open", "done"


def kinds_for(user) -> list[tuple[str, str]]:
    """The steps this reviewer's authority works on (a city's filter never lists the ministry's steps)."""
    authority = user.authority
    return [
        (value, label)
        for value, label in TaskKind.choices
        if TASK_SPECS[TaskKind(value)].level == authority.level
        and TASK_SPECS[TaskKind(value)].department in ("", authority.department)
    ]


class TaskFilter(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(
        label=_("申报批次"),
        field_name="application__campaign",
        queryset=None,
        empty_label=_("全部批次"),
        to_field_name="slug",
        widget=ChineseOnlyOptionsSelect,
    )
    node_type = django_filters.ChoiceFilter(
        label=_("节点类型"), field_name="application__node_type", choices=NodeType.choices, empty_label=_("全部类型")
    )
    kind = django_filters.ChoiceFilter(label=_("环节"), choices=[], empty_label=_("全部环节"))
    due_before = django_filters.DateFilter(
        label=_("期限不晚于"),
        field_name="due_at",
        method="filter_due_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = ReviewTask
        fields = ["campaign", "node_type", "kind", "due_before"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["campaign"].queryset = selectors.campaigns_for_reviewer(user=user)
        self.filters["kind"].extra["choices"] = kinds_for(user)
        if user.authority.level == "city":
            # Cities review industry nodes only.
            del self.filters["node_type"]

    def filter_due_before(self, queryset, name, value):
        return queryset.filter(due_at__lte=deadlines.shanghai_end_of_day(value.year, value.month, value.day))


def due_state(task: ReviewTask, now: datetime.datetime) -> str:
    """ "overdue", "soon" (within three days) or "" for an open task with a deadline."""
    if task.status != TaskStatus.OPEN or task.due_at is None:
        return ""
    if task.due_at <= now:
        return "overdue"
    if task.due_at - now <= DUE_SOON:
        return "soon"
    return ""


class DueColumn(tables.Column):
    def render(self, value, record):
        state = due_state(record, timezone.now())
        text = record.due_display
        if state == "overdue":
            return format_html('{} <span class="badge text-bg-danger">{}</span>', text, _("已逾期"))
        if state == "soon":
            return format_html('{} <span class="badge text-bg-warning">{}</span>', text, _("即将到期"))
        return text


class TaskTable(tables.Table):
    select = tables.TemplateColumn(
        template_name="node_application/review/_select_cell.html",
        verbose_name="",
        orderable=False,
    )
    reference = tables.Column(verbose_name=_("申报编号"), accessor="application__reference")
    title = tables.Column(
        verbose_name=_("节点"),
        accessor="application__title",
        orderable=False,
        attrs={"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}},  # not on phones
    )
    organization = tables.Column(verbose_name=_("申报单位"), accessor="application__organization__name")
    step = tables.Column(verbose_name=_("环节"), accessor="step_name", order_by=("kind", "department"))
    due_at = DueColumn(verbose_name=_("办理期限"), default="—")

    class Meta:
        model = ReviewTask
        fields = ()
        sequence = ("select", "reference", "title", "organization", "step", "due_at")
        order_by = ("due_at",)
        template_name = "django_tables2/bootstrap5-responsive.html"
        attrs = {"class": "table table-sm table-hover align-middle inbox-table stack-table"}
        row_attrs = {
            "class": lambda record: {"overdue": "table-danger", "soon": "table-warning"}.get(
                due_state(record, timezone.now()), ""
            )
        }
        empty_text = _("暂无待办任务。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On phones each row is a card (.stack-table): every cell says what it is.
        for bound in self.columns:
            if bound.header:
                bound.column.attrs = {
                    **bound.column.attrs,
                    "td": {**bound.column.attrs.get("td", {}), "data-label": bound.header},
                }

    def render_step(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("node_application:task", args=[record.pk]), value)

    def render_reference(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("node_application:detail", args=[record.application.reference]), value
        )


class DoneTaskTable(TaskTable):
    select = None
    decision = tables.Column(verbose_name=_("办理结果"), accessor="decision_label", order_by=("decision",))
    acted_at = tables.DateTimeColumn(verbose_name=_("办理时间"), format="Y-m-d H:i")
    acted_by = tables.Column(verbose_name=_("办理人"), default="—")

    class Meta(TaskTable.Meta):
        sequence = ("reference", "title", "organization", "step", "decision", "acted_at", "acted_by")
        exclude = ("due_at",)
        order_by = ("-acted_at",)
        row_attrs = {}
        empty_text = _("暂无已办任务。")


def counts(user) -> dict[str, int]:
    """The numbers at the top of the inbox: every open task, overdue and due soon among them, and done."""
    now = timezone.now()
    result = selectors.task_counts_for_user(user=user, now=now, soon=now + DUE_SOON)
    if user.authority.level == "ministry":  # objections during publicity wait for the ministry's handling
        result["objections"] = Objection.objects.filter(
            resolved_at__isnull=True,
            application__tasks__in=selectors.task_list_for_user(user=user, kind=TaskKind.PUBLICITY).values("pk"),
        ).count()
    return result
