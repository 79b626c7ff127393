"""Review tasks (the reviewers' side of the flow's tasks), the trail and notifications."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import DepartmentKind

from .applications import NodeApplication, Stage, format_deadline


class TaskKind(models.TextChoices):
    NAME_PREREVIEW = "name_prereview", _("行业名称初核")
    MUNICIPAL_REVIEW = "municipal_review", _("市级初审推荐")
    PROVINCIAL_REVIEW = "provincial_review", _("省级联合复审")
    NATIONAL_REGISTRATION = "national_registration", _("国家平台注册登记")
    PAPER_COPIES = "paper_copies", _("纸质材料确认")
    MINISTRY_SUBMISSION = "ministry_submission", _("形成复审意见并报部")
    EXPERT_REVIEW = "expert_review", _("组织专家评审")
    PUBLICITY = "publicity", _("公示与审定")
    CONSTRUCTION = "construction", _("建设实施确认")
    INTEGRATION_TESTING = "integration_testing", _("对接联调确认")
    ACCEPTANCE = "acceptance", _("验收")


# Decisions per task kind (value, label).
DECISIONS = {  # labels are lazy: evaluated in the language of the request
    TaskKind.NAME_PREREVIEW: [("approve", _("同意行业名称")), ("return", _("不同意，请调整行业名称"))],
    TaskKind.MUNICIPAL_REVIEW: [
        ("recommend", _("推荐")),
        ("return", _("退回修改")),
        ("not_recommend", _("不予推荐")),
    ],
    TaskKind.PROVINCIAL_REVIEW: [("approve", _("同意")), ("return", _("退回修改"))],
    TaskKind.NATIONAL_REGISTRATION: [
        ("verified", _("已核验申报单位的国家平台注册登记")),
        ("return", _("注册信息有误，退回修改")),
    ],
    TaskKind.PAPER_COPIES: [("received", _("纸质材料已收到"))],
    TaskKind.MINISTRY_SUBMISSION: [("submit", _("形成复审意见并报送工业和信息化部"))],
    TaskKind.EXPERT_REVIEW: [("publicize", _("评审通过，进入公示")), ("reject", _("评审未通过"))],
    TaskKind.PUBLICITY: [("approve", _("公示期满，批准")), ("reject", _("不予批准"))],
    TaskKind.CONSTRUCTION: [("complete", _("建设完成，进入对接联调"))],
    TaskKind.INTEGRATION_TESTING: [("pass", _("联调通过，申请验收")), ("fail", _("联调未通过，继续联调"))],
    TaskKind.ACCEPTANCE: [("accept", _("验收通过")), ("fail", _("验收未通过，整改后复验"))],
}


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已办")
    CANCELLED = "cancelled", _("已取消")


class ReviewTask(models.Model):
    """A step waiting for one authority: level + (optional) department + the place it must cover.

    Each row is the reviewers' side of exactly one Viewflow task (``workflow_task``) of the application's
    ``NodeApplicationFlow`` process: the flow creates both, ``services.task_act`` completes both.
    """

    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="tasks"
    )
    workflow_task = models.OneToOneField(
        "viewflow.Task",
        verbose_name=_("流程任务"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="review_task",
    )
    kind = models.CharField(_("任务"), max_length=32, choices=TaskKind.choices)
    level = models.CharField(_("办理层级"), max_length=16)
    department = models.CharField(_("办理部门类别"), max_length=40, blank=True, choices=DepartmentKind.choices)
    division_code = models.CharField(_("办理区划"), max_length=6, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN, db_index=True
    )
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    decision = models.CharField(_("办理结果"), max_length=32, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acted_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核任务")
        verbose_name_plural = _("审核任务")
        ordering = ["due_at", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "department"],
                condition=models.Q(status="open"),
                name="review_task_one_open_per_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.get_kind_display()}"

    @property
    def due_display(self) -> str:
        return format_deadline(self.due_at)

    @property
    def decision_label(self) -> str:
        """The decision as the reviewer chose it ("推荐"), never its code."""
        return str(dict(DECISIONS.get(self.kind, [])).get(self.decision, "")) if self.decision else ""

    @property
    def step_name(self) -> str:
        """The step and, for the joint review, its department, without nested brackets
        ("省级联合复审 · 通信管理局")."""
        if not self.department:
            return str(self.get_kind_display())
        return _("%(step)s · %(department)s") % {"step": self.get_kind_display(), "department": self.department_label}

    @property
    def department_label(self) -> str:
        return DepartmentKind(self.department).label if self.department else ""


class ApplicationEvent(models.Model):
    """The trail of every action: who, when, from which stage to which, and the opinion."""

    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="events"
    )
    task = models.ForeignKey(
        ReviewTask, verbose_name=_("任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=48)
    action_label = models.CharField(_("动作名称"), max_length=128)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_unit = models.CharField(_("操作单位"), max_length=128, blank=True)
    from_stage = models.CharField(_("原环节"), max_length=32, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新环节"), max_length=32, choices=Stage.choices, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    visible_to_applicant = models.BooleanField(_("申报单位可见"), default=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action_label}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="node_notifications"
    )
    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(_("内容"), max_length=255)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message
