"""对接联调 as evidence: the new node's enrolment with this node and the self-test transcripts it sends.

- ``IntegrationEnrolment``: created when the application reaches 对接联调 on the node that will be the new
  node's upstream (a regional node for an industry node, the national node for a regional one): the
  one-time enrolment code (federation.EnrolmentCode) and the prefix it allocates. The code is kept in clear
  only until it is used or expires, for the applicant's status page (the registry keeps its digest).
- ``SelfTestRun``: one transcript received from the enrolled node (catalog/network_selftest.py), attached to
  the 对接联调 review task open when it arrived; the reviewer passes the step on it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .applications import NodeApplication
from .tasks import ReviewTask

# the self-test's steps (catalog/network_selftest.py), labelled in the reader's language
STEP_LABELS = {
    "enrol": _("接入上级节点（一次性接入码）"),
    "prefix": _("获取节点前缀"),
    "filing": _("报送测试算力标识"),
    "acknowledgement": _("获取国家节点备案确认"),
    "resolve": _("国家节点解析测试标识"),
    "sync": _("同步一条目录记录至上级节点"),
    "report": _("上报运行监测报告"),
    "cleanup": _("清理测试记录"),
}


class IntegrationEnrolment(models.Model):
    application = models.OneToOneField(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="integration_enrolment"
    )
    enrolment_code = models.ForeignKey(
        "federation.EnrolmentCode", verbose_name=_("接入码"), null=True, blank=True, on_delete=models.SET_NULL
    )
    code = models.CharField(_("接入码（未使用前）"), max_length=40, blank=True)
    node_prefix = models.CharField(_("分配前缀"), max_length=40, blank=True, db_index=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)

    class Meta:
        verbose_name = _("对接联调接入")
        verbose_name_plural = _("对接联调接入")

    def __str__(self) -> str:
        return f"{self.application_id} {self.node_prefix}"

    @property
    def code_usable(self) -> bool:
        row = self.enrolment_code
        return bool(self.code) and row is not None and row.used_at is None and row.expires_at > timezone.now()

    @property
    def enrolled(self) -> bool:
        return self.enrolment_code is not None and self.enrolment_code.used_at is not None


class SelfTestRun(models.Model):
    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="selftest_runs"
    )
    task = models.ForeignKey(
        ReviewTask,
        verbose_name=_("对接联调任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="selftest_runs",
    )
    node_prefix = models.CharField(_("节点前缀"), max_length=40)
    ok = models.BooleanField(_("全部通过"), default=False)
    steps = models.JSONField(_("步骤"), default=list)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=128)

    class Meta:
        verbose_name = _("对接联调自测记录")
        verbose_name_plural = _("对接联调自测记录")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["node_prefix", "idempotency_key"], name="selftest_key_unique_per_node")
        ]

    def __str__(self) -> str:
        return f"{self.node_prefix} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def display_steps(self) -> list[dict]:
        return [{**step, "label": STEP_LABELS.get(step.get("name"), step.get("label", ""))} for step in self.steps]

    @property
    def failed_steps(self) -> list[dict]:
        return [step for step in self.steps if not step.get("ok")]
