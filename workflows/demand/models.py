"""Compute demands (flow 3), the matches the node offers for them (flows 5 and 6) and the scheduling
records that follow a user's choice.

The monitoring system computes the "scheduling business" metrics from these tables and their
timestamps (Demand.created_at / matched_at, DemandMatch.offered_at / accepted_at,
SchedulingRecord.accepted_at / confirmed_at / declined_at): keep the names.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from catalog.models import ResourceClass

MAX_CARDS = 10_000
MAX_HOURS = 24 * 366
# DemandFlow as Viewflow refers to it (``Process.flow_class`` holds this for every process row)
FLOW_REF = "demand/flows.DemandFlow"


class DemandProcess(Process):
    """The Viewflow process of one demand (a proxy: the demand itself is the Demand row)."""

    class Meta:
        proxy = True
        verbose_name = _("算力需求流程")
        verbose_name_plural = _("算力需求流程")
        # "manage" is what DemandFlow adds at import; declared here so migrations never depend on imports.
        default_permissions = ("add", "change", "delete", "view", "manage")

    # Branch conditions of DemandFlow: one line each.
    @property
    def has_open_matches(self) -> bool:
        return self.demand.matches.filter(state=MatchState.OFFERED).exists()

    @property
    def awaiting_confirmation(self) -> bool:
        return self.demand.scheduling_records.filter(status=SchedulingStatus.PENDING).exists()

    @property
    def all_confirmed(self) -> bool:
        return self.demand.status == DemandStatus.CONFIRMED

    @property
    def accepted_match(self) -> "DemandMatch | None":
        return self.demand.matches.filter(state=MatchState.ACCEPTED).first()


class DemandStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    MATCHED = "matched", _("已匹配，待选择方案")
    NO_MATCH = "no_match", _("暂无可满足的资源")
    ACCEPTED = "accepted", _("已选择方案，待服务商确认")
    CONFIRMED = "confirmed", _("服务商已确认，调度完成")
    UNFULFILLED = "unfulfilled", _("方案均被谢绝，未能调度")
    LAPSED = "lapsed", _("方案预留已过期，暂无可选方案")


class Demand(models.Model):
    """What a user needs: class, accelerator model or FP16 total, cards, hours, where from, limits."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="demands"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    customer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("客户单位（代客户提交）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands_placed_for",
        help_text=_("算力转售调度服务商代客户提交的需求所属的客户单位。"),
    )
    resource_class = models.CharField(_("算力类型"), max_length=16, choices=ResourceClass.choices)
    accelerator_model = models.CharField(
        _("加速卡型号"), max_length=128, blank=True, help_text=_("不限型号时留空，并填写 FP16 算力总需求。")
    )
    min_fp16_tflops_total = models.DecimalField(
        _("FP16 算力总需求（TFLOPS）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    card_count = models.PositiveIntegerField(
        _("加速卡数量（张）"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CARDS)],
        help_text=_("通用算力按 vCPU 个数填写。"),
    )
    duration_hours = models.PositiveIntegerField(
        _("使用时长（小时）"), validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS)]
    )
    city = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("使用方所在城市"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "city"},
    )
    max_latency_ms = models.DecimalField(
        _("最大网络时延（毫秒）"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    budget_yuan = models.DecimalField(
        _("预算（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    prefer_my_province = models.BooleanField(
        _("优先本省资源"),
        default=False,
        help_text=_("勾选后，匹配评分给所在省份的资源加分；不勾选时各地区资源同等比较。"),
    )
    min_reliability_percent = models.DecimalField(
        _("可靠性不低于（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("按本节点监测的近 30 天可靠性筛选资源；留空不限。"),
    )
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    status = models.CharField(
        _("状态"), max_length=16, choices=DemandStatus.choices, default=DemandStatus.SUBMITTED, db_index=True
    )
    match_summary = models.TextField(_("匹配说明"), blank=True)
    process = models.OneToOneField(
        DemandProcess,
        verbose_name=_("流程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demand",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    matched_at = models.DateTimeField(_("匹配时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("算力需求")
        verbose_name_plural = _("算力需求")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        what = self.accelerator_model or self.get_resource_class_display()
        return f"#{self.pk} {what} × {self.card_count}"

    @property
    def division_code(self) -> str:
        return self.city_id


class MatchState(models.TextChoices):
    OFFERED = "offered", _("可选择")
    ACCEPTED = "accepted", _("已选择")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("被谢绝")
    LAPSED = "lapsed", _("预留已过期")
    CLOSED = "closed", _("已关闭")


class DemandMatch(models.Model):
    """One ranked offer: one or several resources whose available capacity together covers the demand."""

    demand = models.ForeignKey(Demand, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="matches")
    rank = models.PositiveSmallIntegerField(_("排名"))
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    explanation = models.JSONField(_("得分构成"), default=dict)
    explanation_text = models.TextField(_("得分说明"))
    compute_price_yuan = models.DecimalField(_("算力费用估算（元）"), max_digits=16, decimal_places=2)
    line_price_yuan = models.DecimalField(_("专线费用估算（元）"), max_digits=16, decimal_places=2)
    total_price_yuan = models.DecimalField(_("总价估算（元）"), max_digits=16, decimal_places=2)
    cards = models.PositiveIntegerField(_("分配卡数（张）"))
    latency_ms = models.DecimalField(_("最大专线时延（毫秒）"), max_digits=8, decimal_places=2, null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=MatchState.choices, default=MatchState.OFFERED, db_index=True
    )
    resources = models.ManyToManyField(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        through="MatchAllotment",
        related_name="demand_matches",
    )
    offered_at = models.DateTimeField(_("提供时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("选择时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("匹配方案")
        verbose_name_plural = _("匹配方案")
        ordering = ["demand", "rank"]
        constraints = [models.UniqueConstraint(fields=["demand", "rank"], name="demand_match_rank_unique")]

    def __str__(self) -> str:
        return f"{self.demand_id}#{self.rank}"


class MatchAllotment(models.Model):
    """How many cards of one resource a match uses, at what price, reached over which line."""

    match = models.ForeignKey(
        DemandMatch, verbose_name=_("匹配方案"), on_delete=models.CASCADE, related_name="allotments"
    )
    resource = models.ForeignKey(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # a resource synced here from a node below (no local row): its identifier and what the offer showed
    synced_identifier = models.CharField(_("下级节点资源标识"), max_length=64, blank=True)
    synced = models.JSONField(_("下级节点资源信息"), default=dict, blank=True)
    cards = models.PositiveIntegerField(_("卡数（张）"))
    units = models.PositiveIntegerField(_("计费数量（按计费单位）"))
    unit_price_yuan = models.DecimalField(_("单价（元/计费单位·时）"), max_digits=12, decimal_places=2)
    price_yuan = models.DecimalField(_("费用估算（元）"), max_digits=16, decimal_places=2)
    line = models.ForeignKey(
        "catalog.NetworkLine",
        verbose_name=_("专线"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latency_ms = models.DecimalField(_("专线时延（毫秒）"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("资源分配")
        verbose_name_plural = _("资源分配")
        ordering = ["match", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["match", "resource"], name="match_allotment_unique"),
            models.CheckConstraint(
                condition=models.Q(resource__isnull=False) | ~models.Q(synced_identifier=""),
                name="match_allotment_local_or_synced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.resource_id or self.synced_identifier} × {self.cards}"


class SchedulingStatus(models.TextChoices):
    PENDING = "pending", _("待服务商确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("已谢绝")
    CANCELLED = "cancelled", _("已取消")


class SchedulingRecord(models.Model):
    """The part of an accepted match one provider delivers; that provider confirms or declines it."""

    demand = models.ForeignKey(
        Demand, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="scheduling_records"
    )
    match = models.ForeignKey(
        DemandMatch, verbose_name=_("匹配方案"), on_delete=models.CASCADE, related_name="scheduling_records"
    )
    provider = models.ForeignKey(
        "catalog.Provider",
        verbose_name=_("服务商"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduling_records",
    )
    # the part of a node below (its provider confirms there; the outcome comes back up the network)
    remote_node = models.CharField(_("资源所属节点前缀"), max_length=40, blank=True)
    remote_node_name = models.CharField(_("资源所属节点"), max_length=128, blank=True)
    remote_provider = models.CharField(_("下级节点服务商"), max_length=200, blank=True)
    resources = models.ManyToManyField(
        "catalog.ComputeResource", verbose_name=_("算力资源"), related_name="scheduling_records"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=SchedulingStatus.choices, default=SchedulingStatus.PENDING, db_index=True
    )
    cross_province = models.BooleanField(_("跨省调度"), default=False)
    cards = models.PositiveIntegerField(_("卡数（张）"))
    price_yuan = models.DecimalField(_("费用估算（元）"), max_digits=16, decimal_places=2)
    accepted_at = models.DateTimeField(_("用户选择时间"), db_index=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    declined_at = models.DateTimeField(_("谢绝时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decline_reason = models.TextField(_("谢绝原因"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("调度记录")
        verbose_name_plural = _("调度记录")
        ordering = ["-accepted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["match", "provider"], name="scheduling_record_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id}/{self.provider_id}: {self.status}"

    @property
    def organization_id(self) -> int | None:
        """For membership predicates: the provider's organisation (none for a node below's part)."""
        return self.provider.organization_id if self.provider_id else None

    @property
    def provider_display(self) -> str:
        if self.provider_id:
            return self.provider.organization.name
        return f"{self.remote_provider}（{self.remote_node_name or self.remote_node}）"


from .resale_models import ResaleOffer  # noqa: E402, F401  (a model of this app kept in its own module)
