"""Operation monitoring records (system E): metric samples, roll-ups, request statistics and reports."""

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Granularity(models.TextChoices):
    HOUR = "hour", _("小时")
    DAY = "day", _("日")


class ResourceSample(models.Model):
    """One observation of a compute resource (flow 7): pushed by its provider, taken from a status
    update, or a snapshot the roll-up job takes of the catalogue. One per (resource, sampled_at).

    The node's hottest table: only what a sample says is stored (the resource's provider, province
    and class come from the resource when rolled up), with one index beside the primary key.
    """

    class Source(models.TextChoices):
        PUSH = "push", _("服务商推送")
        STATUS = "status", _("状态更新")
        SNAPSHOT = "snapshot", _("目录快照")

    # Only the unique (resource, sampled_at) index: it serves idempotency, the rebuild's reads by
    # resource and time, and the cascade from a resource; every further index slows the insert.
    resource = models.ForeignKey(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    sampled_at = models.DateTimeField(_("采样时间"))
    hour = models.DateTimeField(_("所属小时"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    installed_cards = models.PositiveIntegerField(_("装机加速卡（张）"))
    available_cards = models.PositiveIntegerField(_("可用加速卡（张）"))
    utilisation_percent = models.FloatField(_("利用率（%）"), null=True, blank=True)
    state = models.CharField(_("运行状态"), max_length=16)
    state_changed = models.BooleanField(_("状态变化"), default=False)

    class Meta:
        verbose_name = _("资源采样")
        verbose_name_plural = _("资源采样")
        ordering = ["-sampled_at"]
        constraints = [models.UniqueConstraint(fields=["resource", "sampled_at"], name="resource_sample_unique")]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.sampled_at:%Y-%m-%d %H:%M:%S}"


class ResourceBucketSums(models.Model):
    """The per-bucket figures a queue entry and a roll-up row both hold (a queue entry adds to them)."""

    samples = models.PositiveIntegerField(_("采样数"))
    online_samples = models.PositiveIntegerField(_("在线采样数"))
    state_changes = models.PositiveIntegerField(_("状态变化次数"))
    installed_cards_sum = models.BigIntegerField(_("装机卡数之和"))
    available_cards_sum = models.BigIntegerField(_("可用卡数之和"))
    available_cards_min = models.PositiveIntegerField(_("最少可用卡数"))
    utilisation_sum = models.FloatField(_("利用率之和"), default=0)
    utilisation_samples = models.PositiveIntegerField(_("有利用率的采样数"), default=0)

    class Meta:
        abstract = True


# Their names, in the order the queue's inserts and the roll-up's SQL list them.
BUCKET_SUMS = tuple(field.name for field in ResourceBucketSums._meta.fields)


class ResourceRollupPending(ResourceBucketSums):
    """What one write of samples adds to one (resource, hour) bucket, until the roll-up has added it.

    Written in the transaction that stores the samples (sums over exactly the rows it inserted),
    added to the hourly and daily rows and deleted by the roll-up. A queue rather than a cursor on
    the sample id: on PostgreSQL a transaction can commit after one that took a later id, and a
    cursor would have moved past its rows for good; an entry committed late is simply taken by the
    next pass.
    """

    resource = models.ForeignKey(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    hour = models.DateTimeField(_("所属小时"))
    day = models.DateTimeField(_("所属日"))
    created_at = models.DateTimeField(_("写入时间"), db_default=Now())

    class Meta:
        verbose_name = _("待汇总采样")
        verbose_name_plural = _("待汇总采样")

    def __str__(self) -> str:
        return f"{self.resource_id} {self.hour:%Y-%m-%d %H}h +{self.samples}"


class ResourceRollup(ResourceBucketSums):
    """Per resource and hour (or day, Asia/Shanghai): sums over its samples; averages are sum / samples."""

    granularity = models.CharField(_("粒度"), max_length=4, choices=Granularity.choices)
    period_start = models.DateTimeField(_("时段开始"))
    resource = models.ForeignKey(
        "catalog.ComputeResource", verbose_name=_("算力资源"), on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.CASCADE, related_name="+"
    )
    province_code = models.CharField(_("省级行政区划代码"), max_length=6)
    resource_class = models.CharField(_("算力类型"), max_length=16)
    # Per-card peak figures (TFLOPS) of the resource when rolled up, for PFLOPS = cards × TFLOPS / 1000.
    fp16_tflops_per_card = models.FloatField(default=0)
    fp32_tflops_per_card = models.FloatField(default=0)
    fp64_tflops_per_card = models.FloatField(default=0)

    class Meta:
        verbose_name = _("资源指标汇总")
        verbose_name_plural = _("资源指标汇总")
        ordering = ["granularity", "period_start", "resource"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "granularity", "period_start"], name="resource_rollup_unique")
        ]
        indexes = [models.Index(fields=["granularity", "period_start"], name="resource_rollup_period_idx")]

    def __str__(self) -> str:
        return f"{self.granularity} {self.period_start:%Y-%m-%d %H:%M} {self.resource_id}"


class AppServiceSample(models.Model):
    """Use of an application service (flow 10) in an interval, pushed by its provider."""

    app_service = models.ForeignKey(
        "catalog.AppService", verbose_name=_("应用服务"), on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.CASCADE, related_name="+"
    )
    province_code = models.CharField(_("省级行政区划代码"), max_length=6)
    sampled_at = models.DateTimeField(_("采样时间"))
    hour = models.DateTimeField(_("所属小时"), db_index=True)
    calls = models.PositiveBigIntegerField(_("调用次数"))
    users = models.PositiveIntegerField(_("使用用户数"))

    class Meta:
        verbose_name = _("应用服务使用采样")
        verbose_name_plural = _("应用服务使用采样")
        ordering = ["-sampled_at"]
        constraints = [models.UniqueConstraint(fields=["app_service", "sampled_at"], name="app_sample_unique")]

    def __str__(self) -> str:
        return f"{self.app_service_id} {self.sampled_at:%Y-%m-%d %H:%M:%S}"


class ApiRequestStat(models.Model):
    """API requests per hour, route, method and status (flow 8), written from each process's buffer."""

    hour = models.DateTimeField(_("小时"))
    route = models.CharField(_("接口"), max_length=128)
    method = models.CharField(_("方法"), max_length=8)
    status = models.PositiveSmallIntegerField(_("状态码"))
    count = models.PositiveBigIntegerField(_("请求数"), default=0)
    total_seconds = models.FloatField(_("总耗时（秒）"), default=0)
    max_seconds = models.FloatField(_("最长耗时（秒）"), default=0)
    # Request counts per latency bucket (upper bounds in monitoring.metrics.requests.LATENCY_BUCKETS).
    buckets = models.JSONField(_("耗时分布"), default=list)

    class Meta:
        verbose_name = _("接口请求统计")
        verbose_name_plural = _("接口请求统计")
        ordering = ["-hour", "route"]
        constraints = [
            models.UniqueConstraint(fields=["hour", "route", "method", "status"], name="api_request_stat_unique")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.method} {self.route} {self.status} ×{self.count}"


class MetricValue(models.Model):
    """An additive figure of flows 8–10 per hour or day (Asia/Shanghai) and dimension.

    ``total`` is a count (or a sum of seconds); ``count`` how many events it sums, so that an
    average is ``total / count``. A day is the sum of its hours. Blank dimensions mean "all".
    """

    class Family(models.TextChoices):
        RESOURCE = "resource", _("资源业务")
        PLATFORM = "platform", _("平台业务")
        SCHEDULING = "scheduling", _("调度业务")
        APPLICATION = "application", _("应用业务")

    family = models.CharField(_("类别"), max_length=16, choices=Family.choices)
    name = models.CharField(_("指标"), max_length=64)
    granularity = models.CharField(_("粒度"), max_length=4, choices=Granularity.choices)
    period_start = models.DateTimeField(_("时段开始"))
    province_code = models.CharField(_("省级行政区划代码"), max_length=6, blank=True)
    resource_class = models.CharField(_("算力类型"), max_length=16, blank=True)
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    total = models.FloatField(_("合计"))
    count = models.PositiveBigIntegerField(_("事件数"))

    class Meta:
        verbose_name = _("业务指标")
        verbose_name_plural = _("业务指标")
        ordering = ["name", "granularity", "period_start"]
        indexes = [models.Index(fields=["name", "granularity", "period_start"], name="metric_value_period_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.granularity} {self.period_start:%Y-%m-%d %H:%M} = {self.total}"


class RollupCursor(models.Model):
    """How far an incremental roll-up has read (the last sample id, or the last hour collected)."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    position = models.BigIntegerField(_("位置"), default=0)
    moment = models.DateTimeField(_("时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return f"{self.name}: {self.position} {self.moment or ''}"


class ReceivedReport(models.Model):
    """A daily operation report a downstream node delivered (recorded by a national node).

    One per (node, date): a corrected report for the same day replaces the earlier one; a
    re-delivery with the same idempotency key changes nothing.
    """

    node_prefix = models.CharField(_("节点前缀"), max_length=40)
    node_name = models.CharField(_("节点名称"), max_length=128, blank=True)
    report_date = models.DateField(_("报告日期"))
    schema_version = models.PositiveSmallIntegerField(_("格式版本"))
    idempotency_key = models.CharField(_("幂等键"), max_length=128, unique=True)
    payload = models.JSONField(_("报告内容"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    deliveries = models.PositiveIntegerField(_("送达次数"), default=1)

    class Meta:
        verbose_name = _("下级节点运行报告")
        verbose_name_plural = _("下级节点运行报告")
        ordering = ["-report_date", "node_prefix"]
        constraints = [
            models.UniqueConstraint(fields=["node_prefix", "report_date"], name="received_report_node_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.node_prefix} {self.report_date}"


class ResourceReliability(models.Model):
    """可靠性: one figure per compute resource from the node's own monitoring, computed periodically
    (monitoring.reliability): the online rate of the last 30 days less a penalty per unplanned
    outage, or the provider's reported SLA while there is too little monitoring to go on."""

    class Basis(models.TextChoices):
        MONITORING = "monitoring", _("本节点监测")
        SLA = "sla", _("服务商承诺 SLA")

    resource = models.OneToOneField(
        "catalog.ComputeResource",
        verbose_name=_("算力资源"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="reliability",
    )
    score_percent = models.DecimalField(_("可靠性（%）"), max_digits=6, decimal_places=2, null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=16, choices=Basis.choices, blank=True)
    online_rate_percent = models.DecimalField(
        _("30 天在线率（%）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    samples = models.PositiveIntegerField(_("30 天采样数"), default=0)
    unplanned_changes = models.PositiveIntegerField(_("30 天非计划离线次数"), default=0)
    sla_percent = models.DecimalField(_("承诺 SLA（%）"), max_digits=6, decimal_places=3, null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("资源可靠性")
        verbose_name_plural = _("资源可靠性")

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.score_percent}"
