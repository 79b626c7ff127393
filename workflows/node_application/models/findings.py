"""False-materials findings (提供虚假材料的认定): "对于提供虚假材料的，一经发现不得重新申报"."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.fields import USCCField

from .applications import NodeApplication, private_storage
from .campaigns import Campaign


class FindingScope(models.TextChoices):
    CAMPAIGN = "campaign", _("本批次")
    PROVINCE = "province", _("本省全部批次")
    ALL = "all", _("全部批次")


class FalseMaterialFinding(models.Model):
    """A reviewer's finding that an application carried false materials. While it stands, the organisation and
    its USCC fail the eligibility check of any application in the campaigns it covers (``scope``)."""

    application = models.ForeignKey(
        NodeApplication, verbose_name=_("所涉申报"), on_delete=models.PROTECT, related_name="false_material_findings"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("被认定单位"),
        on_delete=models.PROTECT,
        related_name="false_material_findings",
    )
    uscc = USCCField(_("统一社会信用代码"), db_index=True)
    scope = models.CharField(_("禁止申报范围"), max_length=16, choices=FindingScope.choices)
    campaign = models.ForeignKey(Campaign, verbose_name=_("认定所在批次"), on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(_("认定所在省份"), max_length=6, db_index=True)
    facts = models.TextField(_("认定事实"))
    evidence = models.FileField(_("证据材料"), storage=private_storage, upload_to="node_application/findings/")
    evidence_name = models.CharField(_("证据材料文件名"), max_length=255)
    evidence_type = models.CharField(_("证据材料类型"), max_length=8)
    evidence_sha256 = models.CharField(_("证据材料 SHA-256"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("认定人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_unit = models.CharField(_("认定单位"), max_length=255)
    recorded_at = models.DateTimeField(_("认定时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("撤销理由"), blank=True)

    class Meta:
        verbose_name = _("虚假材料认定")
        verbose_name_plural = _("虚假材料认定")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_scope_display()}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None
