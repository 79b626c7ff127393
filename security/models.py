"""Security records (system F): events, alerts, vulnerability scans and the risk register.

The tables keep the names they were created with in ``monitoring`` (security/migrations/0001_initial.py
takes the models over without touching the database)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("账号锁定")
        UNLOCK = "unlock", _("解除锁定")
        ACCESS_DENIED = "access_denied", _("越权访问被拒")
        API_KEY_MISUSE = "api_key_misuse", _("接口密钥误用")
        RATE_LIMITED = "rate_limited", _("触发访问频率限制")
        ALERT_SENT = "alert_sent", _("已发送安全告警")

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("发生时间"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_events",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, help_text=_("尝试使用的用户名"))
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=500, blank=True)
    detail = models.TextField(_("详情"), blank=True)

    class Meta:
        db_table = "monitoring_securityevent"  # created when these models lived in monitoring/
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["kind", "occurred_at"]), models.Index(fields=["occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username or self.ip_address or ''} {self.occurred_at:%Y-%m-%d %H:%M}"


class SecurityAlert(models.Model):
    """One alert mailed to the operators when events of a kind passed their threshold in a window."""

    kind = models.CharField(_("类型"), max_length=32, choices=SecurityEvent.Kind.choices)
    event_count = models.PositiveIntegerField(_("事件数"))
    window_minutes = models.PositiveIntegerField(_("时间窗（分钟）"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    recipients = models.JSONField(_("收件人"), default=list)

    class Meta:
        db_table = "monitoring_securityalert"  # created when these models lived in monitoring/
        verbose_name = _("安全告警")
        verbose_name_plural = _("安全告警")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ×{self.event_count}"


class VulnerabilityScan(models.Model):
    class Status(models.TextChoices):
        CLEAN = "clean", _("未发现问题")
        FINDINGS = "findings", _("发现问题")
        INCOMPLETE = "incomplete", _("未完成（漏洞库不可达）")
        FAILED = "failed", _("执行失败")
        SKIPPED = "skipped", _("未执行")

    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    dependency_status = models.CharField(_("依赖漏洞扫描"), max_length=16, choices=Status.choices)
    code_status = models.CharField(_("代码安全扫描"), max_length=16, choices=Status.choices)
    tool_versions = models.JSONField(_("工具版本"), default=dict)
    message = models.TextField(_("说明"), blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        db_table = "monitoring_vulnerabilityscan"  # created when these models lived in monitoring/
        verbose_name = _("漏洞扫描")
        verbose_name_plural = _("漏洞扫描")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class VulnerabilityFinding(models.Model):
    class Tool(models.TextChoices):
        PIP_AUDIT = "pip-audit", "pip-audit"
        BANDIT = "bandit", "bandit"

    scan = models.ForeignKey(VulnerabilityScan, on_delete=models.CASCADE, related_name="findings")
    tool = models.CharField(_("工具"), max_length=16, choices=Tool.choices)
    identifier = models.CharField(_("编号"), max_length=100, help_text=_("漏洞编号（如 PYSEC/GHSA/CVE）或规则编号"))
    severity = models.CharField(_("严重程度"), max_length=16, blank=True)
    package = models.CharField(_("组件或文件"), max_length=300)
    version = models.CharField(_("版本或行号"), max_length=50, blank=True)
    fix_versions = models.CharField(_("修复版本"), max_length=200, blank=True)
    description = models.TextField(_("描述"), blank=True)

    class Meta:
        db_table = "monitoring_vulnerabilityfinding"  # created when these models lived in monitoring/
        verbose_name = _("扫描发现")
        verbose_name_plural = _("扫描发现")
        ordering = ["tool", "package", "identifier"]

    def __str__(self) -> str:
        return f"{self.identifier} {self.package}"


class RiskAssessment(models.Model):
    class Level(models.IntegerChoices):
        VERY_LOW = 1, _("很低")
        LOW = 2, _("低")
        MEDIUM = 3, _("中")
        HIGH = 4, _("高")
        VERY_HIGH = 5, _("很高")

    class Status(models.TextChoices):
        OPEN = "open", _("待处置")
        MITIGATING = "mitigating", _("处置中")
        ACCEPTED = "accepted", _("已接受")
        CLOSED = "closed", _("已关闭")

    title = models.CharField(_("风险"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="owned_risks",
    )
    likelihood = models.PositiveSmallIntegerField(_("可能性"), choices=Level.choices)
    impact = models.PositiveSmallIntegerField(_("影响"), choices=Level.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    treatment = models.TextField(_("处置措施"), blank=True)
    review_on = models.DateField(_("复评日期"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        db_table = "monitoring_riskassessment"  # created when these models lived in monitoring/
        verbose_name = _("风险评估")
        verbose_name_plural = _("风险评估登记")
        ordering = ["status", "review_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    def review_due(self, *, on=None) -> bool:
        return self.status != self.Status.CLOSED and self.review_on <= (on or timezone.localdate())
