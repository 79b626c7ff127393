"""Holds across nodes (issue 18 item 7): one row per hold placed at another node, on both nodes.

- On the demanding (upstream) node, an *outgoing* row: a synced resource of a node below is held there for
  one of this node's matches (``reference`` is the match's hold reference, ``request_key`` the random key
  the owning node knows the request by).
- On the owning node, an *incoming* row: its upstream asked to hold one of its resources. The cards are
  held with an ordinary ``Hold`` (reference ``net:<request_key>``), so capacity, expiry and the order
  work as for a local buyer; its provider confirms or declines it, and the outcome travels back upward.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NetworkHoldDirection(models.TextChoices):
    OUTGOING = "out", _("向下级节点预留")
    INCOMING = "in", _("上级节点发来的预留")


class NetworkHoldState(models.TextChoices):
    HELD = "held", _("预留中，待服务商确认")
    CONFIRMED = "confirmed", _("服务商已确认")
    DECLINED = "declined", _("服务商已谢绝")
    EXPIRED = "expired", _("已过期")
    RELEASED = "released", _("已撤销")


class NetworkHold(models.Model):
    direction = models.CharField(_("方向"), max_length=3, choices=NetworkHoldDirection.choices)
    request_key = models.CharField(_("请求键"), max_length=64)
    peer_prefix = models.CharField(_("对方节点前缀"), max_length=40, db_index=True)
    peer_name = models.CharField(_("对方节点"), max_length=128, blank=True)
    reference = models.CharField(_("来源"), max_length=64, db_index=True)
    identifier = models.CharField(_("算力标识"), max_length=64)
    resource_name = models.CharField(_("资源名称"), max_length=200, blank=True)
    provider_name = models.CharField(_("服务商"), max_length=200, blank=True)
    buyer_name = models.CharField(_("需求方"), max_length=200, blank=True)
    cards = models.PositiveIntegerField(_("卡数（张）"))
    units = models.PositiveIntegerField(_("计费数量"))
    hours = models.PositiveIntegerField(_("使用时长（小时）"))
    unit_price_yuan = models.DecimalField(_("单价（元/计费单位·时）"), max_digits=12, decimal_places=2)
    amount_yuan = models.DecimalField(_("算力费用（元）"), max_digits=16, decimal_places=2)
    state = models.CharField(
        _("状态"), max_length=16, choices=NetworkHoldState.choices, default=NetworkHoldState.HELD, db_index=True
    )
    reason = models.TextField(_("说明"), blank=True, max_length=1000)
    order_number = models.CharField(_("订单号"), max_length=32, blank=True)
    hold = models.ForeignKey(
        "orders.Hold", verbose_name=_("本节点预留"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("结果时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("跨节点预留")
        verbose_name_plural = _("跨节点预留")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "peer_prefix", "request_key"], name="network_hold_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.peer_prefix} {self.identifier} × {self.cards}"

    @property
    def hold_reference(self) -> str:
        """The reference of the local ``Hold`` an incoming request is held with."""
        return f"net:{self.request_key}"
