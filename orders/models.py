"""Capacity the market has taken from a resource: holds (while a provider decides) and orders.

``Capacity`` is one counter row per resource (``resource.capacity``): units held and units allocated,
in the resource's billing unit. Every change to it is one conditional UPDATE of that row
(orders.services.capacity), so held + allocated never exceeds what the provider reports, whatever
runs concurrently. What users see as available is reported − held − allocated
(catalog.availability.free_units).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Capacity(models.Model):
    resource = models.OneToOneField(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="capacity",
    )
    held_units = models.PositiveIntegerField(_("预留中（按计费单位）"), default=0)
    allocated_units = models.PositiveIntegerField(_("已分配（按计费单位）"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("资源占用")
        verbose_name_plural = _("资源占用")

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.held_units}+{self.allocated_units}"


class HoldState(models.TextChoices):
    HELD = "held", _("预留中")
    CONFIRMED = "confirmed", _("已确认（转为订单）")
    RELEASED = "released", _("已释放")
    EXPIRED = "expired", _("已过期")


class Hold(models.Model):
    """Cards of one resource held for a buyer until the provider confirms (an order) or not."""

    reference = models.CharField(_("来源"), max_length=64, db_index=True, help_text=_("如 match:12（匹配方案）"))
    buyer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("需求方单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holds",
    )
    buyer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("需求方"), on_delete=models.PROTECT, related_name="holds"
    )
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="holds"
    )
    resource = models.ForeignKey(
        "catalog.ComputeResource", verbose_name=_("算力资源"), on_delete=models.PROTECT, related_name="holds"
    )
    cards = models.PositiveIntegerField(_("卡数（张）"))
    units = models.PositiveIntegerField(_("计费数量"))
    hours = models.PositiveIntegerField(_("使用时长（小时）"))
    unit_price_yuan = models.DecimalField(_("单价（元/计费单位·时）"), max_digits=12, decimal_places=2)
    amount_yuan = models.DecimalField(_("算力费用（元）"), max_digits=16, decimal_places=2)
    line = models.ForeignKey(
        "catalog.NetworkLine", verbose_name=_("专线"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=16, choices=HoldState.choices, default=HoldState.HELD)
    created_at = models.DateTimeField(_("预留时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    order = models.ForeignKey(
        "Order", verbose_name=_("订单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="holds"
    )

    class Meta:
        verbose_name = _("资源预留")
        verbose_name_plural = _("资源预留")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "expires_at"], name="hold_state_expiry")]

    def __str__(self) -> str:
        return f"{self.reference}/{self.resource_id} × {self.cards}"


class OrderState(models.TextChoices):
    CONFIRMED = "confirmed", _("已确认")
    ACTIVE = "active", _("服务中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Order(models.Model):
    """订单: what one provider confirmed to one buyer (its lines: resources, cards, price)."""

    reference = models.CharField(_("来源"), max_length=64, db_index=True)
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="orders"
    )
    buyer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("需求方单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    buyer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("需求方"), on_delete=models.PROTECT, related_name="orders"
    )
    hours = models.PositiveIntegerField(_("使用时长（小时）"))
    compute_yuan = models.DecimalField(_("算力费用（元）"), max_digits=16, decimal_places=2)
    line_yuan = models.DecimalField(_("专线费用（元）"), max_digits=16, decimal_places=2)
    total_yuan = models.DecimalField(_("合计（元）"), max_digits=16, decimal_places=2)
    state = models.CharField(
        _("状态"), max_length=16, choices=OrderState.choices, default=OrderState.CONFIRMED, db_index=True
    )
    created_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(_("开通时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["reference", "provider"], name="order_one_per_provider")]

    def __str__(self) -> str:
        return self.number

    @property
    def cards(self) -> int:
        return sum(line.cards for line in self.lines.all())

    @property
    def number(self) -> str:
        return f"DD{self.created_at:%Y%m%d}-{self.pk:06d}" if self.created_at and self.pk else "DD-"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="lines")
    resource = models.ForeignKey(
        "catalog.ComputeResource", verbose_name=_("算力资源"), on_delete=models.PROTECT, related_name="+"
    )
    cards = models.PositiveIntegerField(_("卡数（张）"))
    units = models.PositiveIntegerField(_("计费数量"))
    unit_price_yuan = models.DecimalField(_("单价（元/计费单位·时）"), max_digits=12, decimal_places=2)
    amount_yuan = models.DecimalField(_("算力费用（元）"), max_digits=16, decimal_places=2)
    line = models.ForeignKey(
        "catalog.NetworkLine", verbose_name=_("专线"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.resource_id} × {self.cards}"


class OrderAccess(models.Model):
    """可调用: how the buyer reaches the allocation (endpoint, account, credential or a reference to one).

    Everything the provider typed is one Fernet token (orders.access, key from the environment): the
    database, backups, the admin and the audit trail (which excludes ``sealed``) never hold it in clear.
    """

    order = models.OneToOneField(
        Order, verbose_name=_("订单"), primary_key=True, on_delete=models.CASCADE, related_name="access"
    )
    sealed = models.TextField(_("接入信息（加密）"), editable=False)
    revision = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("接入信息")
        verbose_name_plural = _("接入信息")
        permissions = [("view_order_credentials", _("可查看本单位订单的接入凭据"))]

    def __str__(self) -> str:
        return f"{self.order_id} r{self.revision}"


class UsageRecord(models.Model):
    """用: one usage record a provider pushed (card-hours of a resource of an order in a period).

    ``record_id`` is the provider's own id: pushing it again with the same content is a no-op, with
    different content a conflict (409); ``digest`` is the hash of the content that decides which."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="usage_records"
    )
    record_id = models.CharField(_("用量记录编号"), max_length=64)
    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="usage")
    resource = models.ForeignKey(
        "catalog.ComputeResource", verbose_name=_("算力资源"), on_delete=models.PROTECT, related_name="+"
    )
    card_hours = models.DecimalField(_("卡时"), max_digits=14, decimal_places=3)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), db_index=True)
    job_id = models.CharField(_("作业编号"), max_length=128, blank=True)
    amount_yuan = models.DecimalField(_("费用（元）"), max_digits=16, decimal_places=2)
    digest = models.CharField(_("内容摘要"), max_length=64, editable=False)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("用量记录")
        verbose_name_plural = _("用量记录")
        ordering = ["-ended_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["provider", "record_id"], name="usage_record_once")]
        indexes = [models.Index(fields=["order", "ended_at"], name="usage_order_end")]

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.record_id}"


class BuyerApiKey(models.Model):
    """A buyer organisation's key of the standard interface (its orders, access, usage and statements):
    stored as a SHA-256 digest, shown once; it acts as its creator, on the organisation's purchases only."""

    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("需求方单位"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("用途说明"), max_length=64)
    prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True)
    key_hash = models.CharField(_("密钥摘要（SHA-256）"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("需求方 API 密钥")
        verbose_name_plural = _("需求方 API 密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class ApiIdempotencyRecord(models.Model):
    """The first answer to a write over the standard interface that carried an ``Idempotency-Key``, kept
    24 hours (orders.idempotency): a retry of the same request by the same caller gets it again, from any
    process; the same key with a different request is refused (422). Written in the transaction of the
    write it answers, so it exists exactly when the write does."""

    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调用方"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("幂等键"), max_length=128)
    fingerprint = models.CharField(_("请求摘要（SHA-256）"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("应答状态码"), default=0)
    body = models.JSONField(_("应答内容"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("接口幂等记录")
        verbose_name_plural = _("接口幂等记录")
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="api_idempotency_caller_key")]

    def __str__(self) -> str:
        return f"{self.caller_id}/{self.key}"


from .network_models import NetworkHold, NetworkHoldDirection, NetworkHoldState  # noqa: E402,F401  (cross-node holds)
