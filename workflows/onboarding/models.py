"""Onboarding processes (Viewflow): provider onboarding 入网入市, reseller qualification 资格获取 and
line opening by a line provider (flow 11).

Each process is a proxy of Viewflow's ``Process``; what the applicant submitted and what the node
operator decided lives in one row per process (``process`` one-to-one), so it can be queried,
audited and shown without reading JSON.
"""

import datetime

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from organizations.models import TrailEntry


def private_storage():
    return storages["private"]


class Decision(models.TextChoices):
    APPROVE = "approve", _("通过")
    RETURN = "return", _("退回补充材料")
    REJECT = "reject", _("不予通过")


class Reviewed(models.Model):
    """What every onboarding request shares: who submitted it, and the operator's latest decision."""

    process = models.OneToOneField(
        Process, verbose_name=_("流程"), on_delete=models.CASCADE, related_name="%(class)s", null=True, blank=True
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decision = models.CharField(_("审核结论"), max_length=16, choices=Decision.choices, blank=True)
    opinion = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        abstract = True


class ProviderApplication(Reviewed):
    """An organisation's application to join the node's market (入网入市申请)."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="applications"
    )
    is_resource_provider = models.BooleanField(_("算力资源提供商"), default=False)
    is_line_provider = models.BooleanField(_("网络线路提供商"), default=False)
    is_app_service_provider = models.BooleanField(_("应用服务商"), default=False)
    licences = models.TextField(
        _("资质与许可证"), blank=True, help_text=_("如增值电信业务经营许可证编号、等级保护备案等，每行一项。")
    )
    contact_name = models.CharField(_("联系人"), max_length=64)
    contact_phone = models.CharField(_("联系电话"), max_length=32)
    document = models.FileField(
        _("申请材料（PDF）"), storage=private_storage, upload_to="onboarding/documents/%Y/%m/", blank=True
    )
    # The records this request covers: the provider's records in the catalogue when it was submitted (or
    # revised). Approval issues identifiers to, files and lists these only; a record imported later goes
    # through its own review.
    resources = models.ManyToManyField(
        "catalog.ComputeResource", verbose_name=_("申请上架的算力资源"), related_name="+", blank=True
    )
    lines = models.ManyToManyField(
        "catalog.NetworkLine", verbose_name=_("申请上架的网络线路"), related_name="+", blank=True
    )
    app_services = models.ManyToManyField(
        "catalog.AppService", verbose_name=_("申请上架的应用服务"), related_name="+", blank=True
    )

    class Meta:
        verbose_name = _("入网入市申请")
        verbose_name_plural = _("入网入市申请")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.submitted_at:%Y-%m-%d}"

    @property
    def named_records(self) -> list:
        """The records this request covers (see ``resources``), for display."""
        return [*self.resources.all(), *self.lines.all(), *self.app_services.all()]

    @property
    def kinds_display(self) -> list[str]:
        labels = [
            (self.is_resource_provider, _("算力资源提供商")),
            (self.is_line_provider, _("网络线路提供商")),
            (self.is_app_service_provider, _("应用服务商")),
        ]
        return [str(label) for on, label in labels if on]


class ApplicationSite(models.Model):
    """A data centre declared in a provider application; becomes a catalogue site on approval."""

    application = models.ForeignKey(
        ProviderApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("数据中心名称"), max_length=128)
    city = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("所在城市"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "city"},
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    site = models.ForeignKey(
        "catalog.Site", verbose_name=_("目录站点"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("申报数据中心")
        verbose_name_plural = _("申报数据中心")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ResellerApplication(Reviewed):
    """An application for the resale / scheduling qualification (算力转售调度资格)."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="reseller_applications"
    )
    business_scope = models.TextField(_("转售调度业务说明"))
    requested_years = models.PositiveSmallIntegerField(
        _("申请有效期（年）"), default=3, choices=[(1, "1"), (2, "2"), (3, "3")]
    )

    class Meta:
        verbose_name = _("转售调度资格申请")
        verbose_name_plural = _("转售调度资格申请")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.submitted_at:%Y-%m-%d}"


class ResellerQualification(models.Model):
    """A granted resale / scheduling qualification; outside [valid_from, valid_until] it does not count."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="reseller_qualifications"
    )
    application = models.OneToOneField(
        ResellerApplication,
        verbose_name=_("申请"),
        on_delete=models.PROTECT,
        related_name="qualification",
        null=True,
        blank=True,
    )
    number = models.CharField(_("资格编号"), max_length=32, unique=True)
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("批准时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("转售调度资格")
        verbose_name_plural = _("转售调度资格")
        ordering = ["-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="qualification_period_valid"
            )
        ]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


class LineApplication(Reviewed):
    """A certified line provider opening a line in the selection system (flow 11)."""

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="line_applications"
    )
    line = models.ForeignKey(
        "catalog.NetworkLine", verbose_name=_("网络线路"), on_delete=models.PROTECT, related_name="applications"
    )

    class Meta:
        verbose_name = _("线路开通申请")
        verbose_name_plural = _("线路开通申请")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return str(self.line)


class OnboardingEvent(TrailEntry):
    """One step of an onboarding process, shown on its page: who did what, with which opinion."""

    process = models.ForeignKey(Process, verbose_name=_("流程"), on_delete=models.CASCADE, related_name="+")

    class Meta(TrailEntry.Meta):
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")


class ReviewedProcessMixin:
    """Branch conditions shared by the three processes (one-line properties, STYLE.md)."""

    request_attr = ""
    list_related: tuple[str, ...] = ()  # read with the request in the list of processes (its status needs them)

    @property
    def request(self) -> Reviewed:
        return getattr(self, self.request_attr)

    @property
    def approved(self) -> bool:
        return self.request.decision == Decision.APPROVE

    @property
    def returned(self) -> bool:
        return self.request.decision == Decision.RETURN


class ProviderOnboardingProcess(ReviewedProcessMixin, Process):
    request_attr = "providerapplication"

    class Meta:
        proxy = True
        verbose_name = _("入网入市流程")
        verbose_name_plural = _("入网入市流程")


class ResellerQualificationProcess(ReviewedProcessMixin, Process):
    request_attr = "resellerapplication"
    list_related = ("resellerapplication__qualification",)  # 已通过，资格已撤销

    class Meta:
        proxy = True
        verbose_name = _("转售调度资格流程")
        verbose_name_plural = _("转售调度资格流程")


class LineProviderOnboardingProcess(ReviewedProcessMixin, Process):
    request_attr = "lineapplication"

    class Meta:
        proxy = True
        verbose_name = _("线路开通流程")
        verbose_name_plural = _("线路开通流程")
