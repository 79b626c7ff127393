"""Providers (an organisation with its onboarding state and kinds) and their sites (data centres)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class OnboardingState(models.TextChoices):
    APPLIED = "applied", _("已申请")
    RETURNED = "returned", _("退回补充材料")
    CERTIFIED = "certified", _("已认证")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("已暂停")


class Provider(models.Model):
    """An organisation taking part in the node's market, in one or more kinds."""

    organization = models.OneToOneField(
        "organizations.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="provider"
    )
    onboarding_state = models.CharField(
        _("入网入市状态"),
        max_length=16,
        choices=OnboardingState.choices,
        default=OnboardingState.APPLIED,
        db_index=True,
    )
    is_resource_provider = models.BooleanField(_("算力资源提供商"), default=False)
    is_reseller = models.BooleanField(_("算力转售调度服务商"), default=False)
    is_line_provider = models.BooleanField(_("网络线路提供商"), default=False)
    is_app_service_provider = models.BooleanField(_("应用服务商"), default=False)
    certified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    reseller_qualified_until = models.DateField(_("转售调度资格有效期至"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务商")
        verbose_name_plural = _("服务商")
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return self.organization.name

    @property
    def organization_name(self) -> str:
        return self.organization.name

    @property
    def division_code(self) -> str:
        return self.organization.division_code

    @property
    def may_open_lines(self) -> bool:
        """A line opens (page or API) only while the provider is a certified line provider (issue 16 item 2)."""
        return self.is_line_provider and self.onboarding_state == OnboardingState.CERTIFIED

    @property
    def kinds(self) -> list[str]:
        flags = {
            "resource_provider": self.is_resource_provider,
            "reseller": self.is_reseller,
            "line_provider": self.is_line_provider,
            "app_service_provider": self.is_app_service_provider,
        }
        return [kind for kind, on in flags.items() if on]


class SiteTier(models.TextChoices):
    # GB 50174-2017 data-centre classes, and the Uptime tiers providers often quote.
    GB_A = "gb_a", _("GB 50174 A级")
    GB_B = "gb_b", _("GB 50174 B级")
    GB_C = "gb_c", _("GB 50174 C级")
    TIER_III = "tier_iii", _("Uptime Tier III")
    TIER_IV = "tier_iv", _("Uptime Tier IV")


class Site(models.Model):
    """A data centre where a provider's resources are."""

    provider = models.ForeignKey(Provider, verbose_name=_("服务商"), on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(_("站点编号"), max_length=64, help_text=_("服务商内部编号，在该服务商内唯一。"))
    name = models.CharField(_("数据中心名称"), max_length=128)
    province = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("所在省份"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    city = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("所在城市"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "city"},
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    pue = models.DecimalField(
        _("PUE（电能利用效率）"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("3.00"))],
    )
    tier = models.CharField(_("等级"), max_length=16, choices=SiteTier.choices, blank=True)
    latitude = models.DecimalField(_("纬度（度）"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度（度）"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("数据中心站点")
        verbose_name_plural = _("数据中心站点")
        ordering = ["provider", "code"]
        constraints = [models.UniqueConstraint(fields=["provider", "code"], name="site_code_unique_per_provider")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.city_id and self.province_id and self.city_id[:2] != self.province_id[:2]:
            raise ValidationError({"city": _("所在城市不属于所选省份。")})

    @property
    def division_code(self) -> str:
        return self.city_id
