"""The regional identifier library: one identifier per approved record, stable for life."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IdentifierClass(models.TextChoices):
    GENERAL = "G", _("G 通用算力")
    INTELLIGENT = "A", _("A 智能算力")
    SUPERCOMPUTING = "H", _("H 超算算力")
    EDGE = "E", _("E 边缘算力")
    NETWORK_LINE = "L", _("L 网络线路")
    APP_SERVICE = "P", _("P 应用服务")


class IdentifierState(models.TextChoices):
    ISSUED = "issued", _("已发放")
    FILED = "filed", _("已向国家节点备案")
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("已暂停")
    REVOKED = "revoked", _("已注销")


# state -> states it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    IdentifierState.ISSUED: frozenset({IdentifierState.FILED, IdentifierState.SUSPENDED, IdentifierState.REVOKED}),
    IdentifierState.FILED: frozenset({IdentifierState.ACTIVE, IdentifierState.SUSPENDED, IdentifierState.REVOKED}),
    IdentifierState.ACTIVE: frozenset({IdentifierState.SUSPENDED, IdentifierState.REVOKED}),
    IdentifierState.SUSPENDED: frozenset({IdentifierState.ACTIVE, IdentifierState.REVOKED}),
    IdentifierState.REVOKED: frozenset(),
}


class IdentifierCounter(models.Model):
    """The next serial per (node prefix, class); locked with SELECT ... FOR UPDATE while issuing."""

    prefix = models.CharField(_("节点前缀"), max_length=40)
    class_code = models.CharField(_("类别"), max_length=1, choices=IdentifierClass.choices)
    last_serial = models.PositiveBigIntegerField(_("已用最大序号"), default=0)

    class Meta:
        verbose_name = _("标识序号计数器")
        verbose_name_plural = _("标识序号计数器")
        constraints = [models.UniqueConstraint(fields=["prefix", "class_code"], name="identifier_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}/{self.class_code}: {self.last_serial}"


class Identifier(models.Model):
    code = models.CharField(_("算力标识"), max_length=64, unique=True)
    prefix = models.CharField(_("节点前缀"), max_length=40, db_index=True)
    class_code = models.CharField(_("类别"), max_length=1, choices=IdentifierClass.choices, db_index=True)
    serial = models.PositiveBigIntegerField(_("序号"))
    state = models.CharField(
        _("状态"), max_length=16, choices=IdentifierState.choices, default=IdentifierState.ISSUED, db_index=True
    )
    # Exactly one of these is set; OneToOne makes "one identifier per record" a database rule.
    resource = models.OneToOneField(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identifier",
    )
    line = models.OneToOneField(
        "catalog.NetworkLine",
        verbose_name=_("网络线路"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identifier",
    )
    app_service = models.OneToOneField(
        "catalog.AppService",
        verbose_name=_("应用服务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identifier",
    )
    issued_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    changed_at = models.DateTimeField(_("状态变更时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("算力标识")
        verbose_name_plural = _("算力标识库")
        ordering = ["prefix", "class_code", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "class_code", "serial"], name="identifier_serial_unique"),
            models.CheckConstraint(
                condition=Q(resource__isnull=False, line__isnull=True, app_service__isnull=True)
                | Q(resource__isnull=True, line__isnull=False, app_service__isnull=True)
                | Q(resource__isnull=True, line__isnull=True, app_service__isnull=False),
                name="identifier_exactly_one_record",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def record(self):
        return self.resource or self.line or self.app_service

    @property
    def division_code(self) -> str:
        return self.record.division_code


class IdentifierEvent(models.Model):
    """One lifecycle change of an identifier: who, why, when."""

    identifier = models.ForeignKey(
        Identifier, verbose_name=_("算力标识"), on_delete=models.PROTECT, related_name="events"
    )
    from_state = models.CharField(_("原状态"), max_length=16, choices=IdentifierState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=IdentifierState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    reason = models.CharField(_("原因"), max_length=500)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("标识状态变更")
        verbose_name_plural = _("标识状态变更")
        ordering = ["identifier", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.from_state or '-'} → {self.to_state}"
