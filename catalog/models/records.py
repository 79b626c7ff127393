"""The records providers publish: compute resources, network lines and application services.

Units are part of every field name and label. Figures that a provider does not state stay NULL
("unknown"); the node never fills them in by guessing.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListingState(models.TextChoices):
    """Whether the node has approved the record for the public catalogue."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已上架")
    DELISTED = "delisted", _("已下架")


class RecordState(models.TextChoices):
    """The live operating state a provider reports."""

    ONLINE = "online", _("在线")
    MAINTENANCE = "maintenance", _("维护中")
    OFFLINE = "offline", _("离线")


class ResourceClass(models.TextChoices):
    GENERAL = "general", _("通用算力")
    INTELLIGENT = "intelligent", _("智能算力")
    SUPERCOMPUTING = "supercomputing", _("超算算力")
    EDGE = "edge", _("边缘算力")


class CpuArchitecture(models.TextChoices):
    X86 = "x86", "x86"
    ARM = "arm", "ARM"
    C86 = "c86", "C86（海光）"
    LOONGARCH = "loongarch", "LoongArch"
    RISCV = "riscv", "RISC-V"
    OTHER = "other", _("其他")


class BillingUnit(models.TextChoices):
    CARD_HOUR = "card_hour", _("元/卡·时")
    NODE_HOUR = "node_hour", _("元/节点·时")
    VCPU_HOUR = "vcpu_hour", _("元/vCPU·时")


class PublishedRecord(models.Model):
    """What every published record shares: owner, provider's own key, listing and live state, version."""

    provider = models.ForeignKey("catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT)
    external_id = models.CharField(
        _("服务商侧编号"), max_length=64, help_text=_("服务商系统中的编号，标准接口以它定位记录。")
    )
    name = models.CharField(_("名称"), max_length=128)
    description = models.TextField(_("说明"), blank=True)
    listing_state = models.CharField(
        _("上架状态"), max_length=16, choices=ListingState.choices, default=ListingState.PENDING, db_index=True
    )
    state = models.CharField(
        _("运行状态"), max_length=16, choices=RecordState.choices, default=RecordState.ONLINE, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.listing_state == ListingState.APPROVED


LOCATION_FIELDS = frozenset({"site", "site_id", "city_code", "province_code"})


class ComputeResource(PublishedRecord):
    """A pool of identical compute nodes at one site. Facet columns are real, indexed columns."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="resources"
    )
    site = models.ForeignKey(
        "catalog.Site", verbose_name=_("数据中心站点"), on_delete=models.PROTECT, related_name="resources"
    )
    # Denormalised from the site so that faceted search filters on plain indexed columns.
    province_code = models.CharField(_("省级行政区划代码"), max_length=6, db_index=True, editable=False)
    city_code = models.CharField(_("地级行政区划代码"), max_length=6, db_index=True, editable=False)
    resource_class = models.CharField(_("算力类型"), max_length=16, choices=ResourceClass.choices, db_index=True)
    accelerator = models.ForeignKey(
        "catalog.AcceleratorModel",
        verbose_name=_("加速卡型号（参考表）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    accelerator_vendor = models.CharField(_("加速卡厂商"), max_length=64, blank=True, db_index=True)
    accelerator_model = models.CharField(_("加速卡型号"), max_length=128, blank=True, db_index=True)
    accelerators_per_node = models.PositiveIntegerField(_("每节点加速卡数（张）"), default=0)
    node_count = models.PositiveIntegerField(_("节点数（台）"), validators=[MinValueValidator(1)])
    cpu_architecture = models.CharField(
        _("CPU 架构"), max_length=16, choices=CpuArchitecture.choices, default=CpuArchitecture.X86, db_index=True
    )
    vcpus_per_node = models.PositiveIntegerField(_("每节点 vCPU（个）"), null=True, blank=True)
    memory_gb_per_node = models.PositiveIntegerField(_("每节点内存（GB）"), null=True, blank=True)
    accelerator_memory_gb = models.PositiveIntegerField(_("每卡显存（GB）"), null=True, blank=True)
    storage_tb = models.DecimalField(_("存储容量（TB）"), max_digits=10, decimal_places=2, null=True, blank=True)
    fp64_tflops_per_card = models.DecimalField(
        _("每卡 FP64 峰值（TFLOPS）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fp32_tflops_per_card = models.DecimalField(
        _("每卡 FP32 峰值（TFLOPS）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fp16_tflops_per_card = models.DecimalField(
        _("每卡 FP16 稠密峰值（TFLOPS）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    int8_tops_per_card = models.DecimalField(
        _("每卡 INT8 稠密峰值（TOPS）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    interconnect = models.CharField(_("互联方式"), max_length=255, blank=True)
    billing_unit = models.CharField(
        _("计费单位"), max_length=16, choices=BillingUnit.choices, default=BillingUnit.CARD_HOUR
    )
    price_yuan = models.DecimalField(
        _("单价（元/计费单位）"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        db_index=True,
    )
    available_units = models.PositiveIntegerField(
        _("当前可用数量（按计费单位：卡/节点/vCPU）"), default=0, db_index=True
    )
    sla_availability_percent = models.DecimalField(
        _("SLA 可用性（%）"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    certifications = models.JSONField(_("认证"), default=list, blank=True)

    class Meta:
        verbose_name = _("算力资源")
        verbose_name_plural = _("算力资源")
        ordering = ["provider", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="resource_external_id_unique"),
        ]
        indexes = [
            models.Index(fields=["listing_state", "resource_class", "province_code"], name="resource_facet_idx"),
            # the selection index's freshness stamp reads the newest change without a table scan
            models.Index(fields=["updated_at"], name="resource_updated_idx"),
        ]

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or LOCATION_FIELDS & set(update_fields):
            self.sync_location()  # (a live status update saves none of them: no query of the site)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.site_id and self.provider_id and self.site.provider_id != self.provider_id:
            raise ValidationError({"site": _("只能选择本服务商的数据中心站点。")})
        if self.resource_class == ResourceClass.INTELLIGENT and not self.accelerators_per_node:
            raise ValidationError({"accelerators_per_node": _("智能算力资源请填写每节点加速卡数。")})

    def sync_location(self) -> None:
        """Copy the site's division codes onto the facet columns."""
        if self.site_id:
            self.city_code = self.site.city_id
            self.province_code = self.site.province_id

    @property
    def division_code(self) -> str:
        """Where the resource is (its site's city), for jurisdiction checks."""
        return self.city_code

    @property
    def total_cards(self) -> int:
        return self.accelerators_per_node * self.node_count


class NetworkLineKind(models.TextChoices):
    DEDICATED_LINE = "dedicated_line", _("专线")
    CLOUD_PRIVATE_NETWORK = "cloud_private_network", _("云专网")


class NetworkLine(PublishedRecord):
    """A network line from a user's city to a data-centre site."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="lines"
    )
    kind = models.CharField(_("线路类型"), max_length=32, choices=NetworkLineKind.choices, db_index=True)
    from_city = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("起点城市"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "city"},
    )
    to_site = models.ForeignKey(
        "catalog.Site", verbose_name=_("终点数据中心"), on_delete=models.PROTECT, related_name="lines"
    )
    bandwidth_mbps = models.PositiveIntegerField(_("带宽（Mbps）"), validators=[MinValueValidator(1)])
    latency_ms = models.DecimalField(_("时延（毫秒）"), max_digits=8, decimal_places=2, null=True, blank=True)
    jitter_ms = models.DecimalField(_("抖动（毫秒）"), max_digits=8, decimal_places=2, null=True, blank=True)
    price_yuan_per_month = models.DecimalField(
        _("月租（元/月）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("网络线路")
        verbose_name_plural = _("网络线路")
        ordering = ["provider", "external_id"]
        constraints = [models.UniqueConstraint(fields=["provider", "external_id"], name="line_external_id_unique")]

    @property
    def division_code(self) -> str:
        return self.from_city_id


class AppServiceKind(models.TextChoices):
    AI_APPLICATION = "ai_application", _("AI 应用")
    SCIENTIFIC_COMPUTING = "scientific_computing", _("科学计算")
    COMPUTE_CARD = "compute_card", _("算力卡")
    CLOUD_PHONE = "cloud_phone", _("云手机")
    CLOUD_DESKTOP = "cloud_desktop", _("云桌面")


class AppService(PublishedRecord):
    """An application service built on compute resources."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="app_services"
    )
    kind = models.CharField(_("服务类型"), max_length=32, choices=AppServiceKind.choices, db_index=True)
    price_yuan = models.DecimalField(
        _("价格（元/计价单位）"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    pricing_unit = models.CharField(_("计价单位"), max_length=32, blank=True, help_text=_("如：月、次、千 tokens"))
    available_units = models.PositiveIntegerField(_("当前可用数量"), null=True, blank=True)
    resources = models.ManyToManyField(
        ComputeResource, verbose_name=_("使用的算力资源"), blank=True, related_name="app_services"
    )

    class Meta:
        verbose_name = _("应用服务")
        verbose_name_plural = _("应用服务")
        ordering = ["provider", "external_id"]
        constraints = [models.UniqueConstraint(fields=["provider", "external_id"], name="app_external_id_unique")]

    @property
    def division_code(self) -> str:
        return self.provider.organization.division_code
