"""Reference data: administrative divisions (GB/T 2260) and industrial mid-categories (GB/T 4754-2017)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地级")


class Division(models.Model):
    """A provincial- or prefecture-level division, keyed by its six-digit GB/T 2260 code."""

    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("中文名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128)
    name_pinyin = models.CharField(_("拼音"), max_length=128, blank=True)
    level = models.CharField(_("级别"), max_length=16, choices=DivisionLevel.choices)
    kind = models.CharField(_("类型"), max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name  # choices and labels follow the interface language

    @property
    def display_name(self) -> str:
        """The name in the language of the request: the English name under /en/, else the Chinese one."""
        language = get_language() or ""
        return self.name_en or self.name_zh if language.startswith("en") else self.name_zh

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class IndustryCategory(models.Model):
    """One of the 207 industrial mid-categories (中类) of sections B, C and D of GB/T 4754-2017."""

    code = models.CharField(_("中类代码"), max_length=3, primary_key=True)
    name = models.CharField(_("中类名称"), max_length=64)
    section = models.CharField(_("门类"), max_length=1)
    division_code = models.CharField(_("大类代码"), max_length=2)
    division_name = models.CharField(_("大类名称"), max_length=64)

    class Meta:
        verbose_name = _("工业行业中类")
        verbose_name_plural = _("工业行业中类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
