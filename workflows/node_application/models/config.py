"""What an operator lists for a campaign, inline on its admin page: the materials, the applicant-facing stage
names and the notification texts; and the frozen versions of a campaign's rules that applications were
submitted under."""

import string

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Stage
from .campaigns import Campaign

NOTIFICATION_PLACEHOLDERS = ("reference", "title", "stage", "campaign", "organization", "opinion")


class MaterialScope(models.TextChoices):
    ALL = "all", _("所有节点类型")
    REGIONAL = "regional", _("仅区域节点")
    INDUSTRY = "industry", _("仅行业节点")


class MaterialCondition(models.TextChoices):
    ALWAYS = "always", _("必须提供")
    CONSORTIUM = "consortium", _("联合体申报时提供")
    OPTIONAL = "optional", _("选填")


class CampaignMaterial(models.Model):
    """One material the campaign asks for. A campaign without any rows asks for the national notice's list."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("申报批次"), on_delete=models.CASCADE, related_name="material_rules"
    )
    code = models.SlugField(
        _("材料代码"), max_length=32, help_text=_("字母、数字、下划线，如 proof_of_funds；同一批次内不重复。")
    )
    label = models.CharField(_("材料名称"), max_length=128)
    scope = models.CharField(_("适用节点类型"), max_length=16, choices=MaterialScope.choices, default=MaterialScope.ALL)
    condition = models.CharField(
        _("是否必需"), max_length=16, choices=MaterialCondition.choices, default=MaterialCondition.ALWAYS
    )
    pdf_required = models.BooleanField(_("须提供 PDF 版"), default=True)
    editable_required = models.BooleanField(_("须提供可编辑版"), default=False, help_text=_("DOC/DOCX/XLSX。"))
    max_size_mb = models.PositiveSmallIntegerField(
        _("单个文件大小上限（MB）"), default=20, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    note = models.CharField(_("说明"), max_length=255, blank=True, help_text=_("在申报指南和材料清单中显示。"))
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("申报材料要求")
        verbose_name_plural = _("申报材料清单")
        ordering = ["campaign", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="campaign_material_code_once")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if not (self.pdf_required or self.editable_required):
            raise ValidationError({"pdf_required": _("至少须提供 PDF 版或可编辑版之一。")})


class CampaignStageName(models.Model):
    """The name the applicant reads for a stage in this campaign (staff keep the standard names)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("申报批次"), on_delete=models.CASCADE, related_name="stage_names"
    )
    stage = models.CharField(_("环节"), max_length=32, choices=Stage.choices)
    label = models.CharField(_("申报单位看到的名称"), max_length=64)

    class Meta:
        verbose_name = _("环节名称")
        verbose_name_plural = _("环节名称（申报单位可见）")
        constraints = [models.UniqueConstraint(fields=["campaign", "stage"], name="campaign_stage_name_once")]

    def __str__(self) -> str:
        return self.label


def validate_placeholders(text: str) -> None:
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise ValidationError(_("花括号不成对：占位符写作 {reference} 这样的形式。")) from None
    unknown = sorted(names - set(NOTIFICATION_PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("未知的占位符：%(names)s。可用：%(allowed)s。")
            % {
                "names": "、".join("{" + n + "}" for n in unknown),
                "allowed": "、".join("{" + n + "}" for n in NOTIFICATION_PLACEHOLDERS),
            }
        )


class CampaignNotificationText(models.Model):
    """The text sent to the applicant when its application enters a stage, with placeholders."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("申报批次"), on_delete=models.CASCADE, related_name="notification_texts"
    )
    stage = models.CharField(_("事件：申报进入环节"), max_length=32, choices=Stage.choices)
    text = models.CharField(
        _("通知内容"),
        max_length=255,
        validators=[validate_placeholders],
        help_text=_(
            "可用占位符：{reference} 申报编号、{title} 申报名称、{stage} 环节名称、{campaign} 批次名称、"
            "{organization} 申报单位、{opinion} 办理意见。"
        ),
    )

    class Meta:
        verbose_name = _("通知文本")
        verbose_name_plural = _("通知文本")
        constraints = [models.UniqueConstraint(fields=["campaign", "stage"], name="campaign_notification_once")]

    def __str__(self) -> str:
        return self.text


class CampaignRulesVersion(models.Model):
    """A frozen copy of a campaign's rules (eligibility parameters, materials, route) as they stood when an
    application was submitted; a later edit of the campaign makes a new version and never touches this one."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("申报批次"), on_delete=models.CASCADE, related_name="rules_versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    rules = models.JSONField(_("规则"), editable=False)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报规则版本")
        verbose_name_plural = _("申报规则版本")
        ordering = ["campaign", "-number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="campaign_rules_version_once")]

    def __str__(self) -> str:
        return f"{self.campaign} v{self.number}"
