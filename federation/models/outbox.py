"""Durable outbox (everything that goes upstream, and the notices an upstream node owes a node below it:
``peer`` set) and, on an upstream node, the filings received."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已送达")
    DROPPED = "dropped", _("不再发送")  # superseded by a later notice, or the node below was revoked


class OutboxMessage(models.Model):
    kind = models.CharField(_("类型"), max_length=32, db_index=True)  # e.g. "identifier_filing"
    idempotency_key = models.CharField(_("幂等键"), max_length=128, unique=True)
    path = models.CharField(_("接口路径"), max_length=255)
    # a message down to a node enrolled here (e.g. a key rotation notice); empty: to the upstream node
    peer = models.ForeignKey(
        "federation.Peer", verbose_name=_("下级节点"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    response = models.JSONField(_("回执"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上报发件箱")
        verbose_name_plural = _("上报发件箱")
        ordering = ["next_attempt_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class FilingState(models.TextChoices):
    RELAYED = "relayed", _("已转报，待国家节点确认")
    FILED = "filed", _("已备案")
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("已暂停")
    REVOKED = "revoked", _("已注销")


class IdentifierFiling(models.Model):
    """An identifier filed by a downstream node (recorded by a national node, relayed by a regional one)."""

    identifier = models.CharField(_("算力标识"), max_length=64, unique=True)
    node_prefix = models.CharField(_("节点前缀"), max_length=40, db_index=True)
    peer = models.ForeignKey(
        "federation.Peer", verbose_name=_("报送节点"), null=True, blank=True, on_delete=models.PROTECT
    )
    # scoped per node: (peer, key) is unique, the same key from another node is another filing
    idempotency_key = models.CharField(_("幂等键"), max_length=128)
    payload = models.JSONField(_("备案内容"))
    state = models.CharField(_("状态"), max_length=16, choices=FilingState.choices, default=FilingState.FILED)
    # the national node's receipt (on the national node: its own)
    national_receipt = models.CharField(_("国家节点回执"), max_length=32, blank=True)
    acknowledged_at = models.DateTimeField(_("国家节点确认时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    changed_at = models.DateTimeField(_("状态变更时间"), auto_now=True)

    class Meta:
        verbose_name = _("标识备案")
        verbose_name_plural = _("标识备案")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "idempotency_key"], name="filing_key_unique_per_peer"),
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def receipt(self) -> str:
        return f"F{self.pk:010d}"
