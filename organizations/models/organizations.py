"""Organisations (enterprises, public institutions, ...) identified by their USCC."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..fields import USCCField
from ..telecom import TELECOM_CATEGORIES, validate_telecom_categories


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    GOVERNMENT = "government", _("机关")
    OTHER = "other", _("其他组织")


class Organization(models.Model):
    name = models.CharField(_("单位名称"), max_length=128)
    uscc = USCCField(_("统一社会信用代码"), unique=True)
    kind = models.CharField(_("单位类型"), max_length=32, choices=OrganizationKind.choices)
    registered_capital = models.DecimalField(
        _("注册资本（元）"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("以人民币元计；事业单位可填开办资金。"),
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
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
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "city"},
    )
    has_major_dishonesty = models.BooleanField(_("有重大失信记录"), default=False)
    dishonesty_recorded_on = models.DateField(_("失信记录日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.city_id and self.province_id and self.city_id[:2] != self.province_id[:2]:
            errors["city"] = _("所在城市不属于所选省份。")
        if self.has_major_dishonesty and not self.dishonesty_recorded_on:
            errors["dishonesty_recorded_on"] = _("有失信记录时请填写记录日期。")
        if not self.has_major_dishonesty and self.dishonesty_recorded_on:
            errors["dishonesty_recorded_on"] = _("没有失信记录时不填写日期。")
        if errors:
            raise ValidationError(errors)

    @property
    def division_code(self) -> str:
        """Where the organisation is, for jurisdiction checks: its city if known, else its province."""
        return self.city_id or self.province_id

    def has_dishonesty_within(self, *, years: int = 3, on: datetime.date | None = None) -> bool:
        """A major dishonesty record within the last ``years`` years before ``on`` (today by default)."""
        if not self.has_major_dishonesty or not self.dishonesty_recorded_on:
            return False
        on = on or timezone.localdate()
        try:
            since = on.replace(year=on.year - years)
        except ValueError:  # 29 February
            since = on.replace(year=on.year - years, day=28)
        return self.dishonesty_recorded_on > since

    def valid_telecom_licences(self, *, on: datetime.date | None = None) -> models.QuerySet:
        return self.telecom_licences.filter(valid_until__gte=on or timezone.localdate())


class TelecomLicence(models.Model):
    """A telecom business licence (电信业务经营许可证) held by an organisation."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("持证单位"), on_delete=models.CASCADE, related_name="telecom_licences"
    )
    number = models.CharField(_("许可证编号"), max_length=64, unique=True)
    categories = models.JSONField(
        _("业务种类"),
        default=list,
        validators=[validate_telecom_categories],
        help_text=_("《电信业务分类目录》代码，如 B11（互联网数据中心业务）。"),
    )
    valid_until = models.DateField(_("有效期至"))

    class Meta:
        verbose_name = _("电信业务经营许可证")
        verbose_name_plural = _("电信业务经营许可证")
        ordering = ["organization", "number"]

    def __str__(self) -> str:
        return self.number

    @property
    def category_labels(self) -> list[str]:
        return [f"{code} {TELECOM_CATEGORIES[code]}" for code in self.categories if code in TELECOM_CATEGORIES]
