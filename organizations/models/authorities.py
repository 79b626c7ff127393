"""Government authorities: who reviews what, and where their jurisdiction ends."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .divisions import DivisionLevel


class AuthorityLevel(models.TextChoices):
    MINISTRY = "ministry", _("部级")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")


class DepartmentKind(models.TextChoices):
    MINISTRY_ICT = "ministry_ict", _("工业和信息化部信息通信管理局")
    COMMUNICATIONS_ADMINISTRATION = "communications_administration", _("通信管理局")
    INDUSTRY_IT = "industry_it", _("工业和信息化主管部门（经济和信息化厅）")
    MUNICIPAL_ECONOMY_IT = "municipal_economy_it", _("市经济和信息化局")
    MUNICIPAL_COMMUNICATIONS_OFFICE = "municipal_communications_office", _("市通信发展办公室")


# Which department kinds exist at which level.
DEPARTMENTS_BY_LEVEL = {
    AuthorityLevel.MINISTRY: {DepartmentKind.MINISTRY_ICT},
    AuthorityLevel.PROVINCE: {DepartmentKind.COMMUNICATIONS_ADMINISTRATION, DepartmentKind.INDUSTRY_IT},
    AuthorityLevel.CITY: {DepartmentKind.MUNICIPAL_ECONOMY_IT, DepartmentKind.MUNICIPAL_COMMUNICATIONS_OFFICE},
}


class Authority(models.Model):
    """A government body. Its jurisdiction is its division (none for the ministry: the whole country)."""

    name = models.CharField(_("名称"), max_length=128, unique=True)
    level = models.CharField(_("级别"), max_length=16, choices=AuthorityLevel.choices)
    department = models.CharField(_("部门类别"), max_length=40, choices=DepartmentKind.choices)
    division = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("管辖区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorities",
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    phone = models.CharField(_("联系电话"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("主管部门")
        verbose_name_plural = _("主管部门")
        ordering = ["level", "division_id", "department"]
        constraints = [
            models.UniqueConstraint(fields=["department", "division"], name="authority_one_department_per_division"),
            models.CheckConstraint(
                condition=models.Q(level="ministry", division__isnull=True)
                | (~models.Q(level="ministry") & models.Q(division__isnull=False)),
                name="authority_ministry_is_national",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.department and self.level and self.department not in DEPARTMENTS_BY_LEVEL[self.level]:
            errors["department"] = _("该部门类别不属于所选级别。")
        if self.level == AuthorityLevel.MINISTRY and self.division_id:
            errors["division"] = _("部级主管部门管辖全国，不选行政区划。")
        elif self.level and self.level != AuthorityLevel.MINISTRY:
            expected = DivisionLevel.PROVINCE if self.level == AuthorityLevel.PROVINCE else DivisionLevel.CITY
            if not self.division_id:
                errors["division"] = _("请选择管辖区域。")
            elif self.division.level != expected:
                errors["division"] = _("管辖区域的级别与主管部门级别不一致。")
        if errors:
            raise ValidationError(errors)

    @property
    def jurisdiction_prefix(self) -> str:
        """The GB/T 2260 code prefix this authority covers: '' (all), 2 digits (province) or 4 (city)."""
        if self.level == AuthorityLevel.MINISTRY:
            return ""
        length = 2 if self.level == AuthorityLevel.PROVINCE else 4
        return self.division_id[:length]

    def covers(self, division_code: str | None) -> bool:
        """Whether a place (a six-digit division code) lies inside this authority's jurisdiction."""
        if not division_code:
            return self.level == AuthorityLevel.MINISTRY
        return division_code.startswith(self.jurisdiction_prefix)
