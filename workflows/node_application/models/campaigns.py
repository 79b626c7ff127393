"""The campaign (申报批次) and everything an operator configures about it without code: batch, node types, dates,
the optional route stages and who acts at each review stage, and the eligibility parameters. The materials list,
applicant-facing stage names and notification texts are rows of ``config.py`` edited inline with the campaign."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.telecom import TELECOM_CATEGORIES


class NodeType(models.TextChoices):
    REGIONAL = "regional", _("区域节点")
    INDUSTRY = "industry", _("行业节点")


class ReviewMode(models.TextChoices):
    ANY = "any", _("任一部门办理即可")
    ALL = "all", _("各部门并行办理，均同意方可通过")


class RuleAction(models.TextChoices):
    BLOCK = "block", _("不予提交（阻止）")
    WARN = "warn", _("允许提交，提示审核部门（警示）")
    OFF = "off", _("不检查")


# The categories an IDC, CDN / ISP or cloud operator holds (cloud services are licensed as B11 互联网资源协作服务).
DEFAULT_LICENCE_CATEGORIES = "B11,B12,B14"


def validate_licence_categories(value: str) -> None:
    unknown = [code for code in split_codes(value) if code not in TELECOM_CATEGORIES]
    if unknown:
        raise ValidationError(
            _("未知的电信业务分类代码：%(codes)s（应为《电信业务分类目录》代码，如 B11）。")
            % {"codes": "、".join(unknown)}
        )


def split_codes(value: str) -> list[str]:
    return [
        code.strip().upper() for code in (value or "").replace("，", ",").replace("、", ",").split(",") if code.strip()
    ]


class Campaign(models.Model):
    """A call for applications (申报批次) of one province: several batches per province and year are allowed.

    Every deadline is an instant (stored in UTC, entered and shown in Asia/Shanghai); an action at or
    after it is refused with 逾期不再受理. Windows without a date are not limited.
    """

    name = models.CharField(_("批次名称"), max_length=128)
    slug = models.SlugField(
        _("批次代码"), max_length=32, unique=True, help_text=_("字母、数字和连字符，如 gd-2026-1。")
    )
    province = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("省份"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    batch = models.CharField(
        _("批次"), max_length=32, blank=True, help_text=_("同一省份同一年度可有多个批次，如“第一批”“第二批”。")
    )
    accepts_regional = models.BooleanField(_("受理区域节点"), default=True)
    accepts_industry = models.BooleanField(_("受理行业节点"), default=True)

    # route: optional stages and who acts
    has_municipal_review = models.BooleanField(
        _("行业节点经市级初审"), default=True, help_text=_("四川：各市（州）初审推荐；河北、广东：直接报省级主管部门。")
    )
    municipal_review_mode = models.CharField(
        _("市级初审办理方式"),
        max_length=8,
        choices=ReviewMode.choices,
        default=ReviewMode.ANY,
        help_text=_("“任一部门”：市经济和信息化局或市通信发展办公室之一办理；“并行”：两部门均须推荐。"),
    )
    provincial_review_mode = models.CharField(
        _("省级复审办理方式"),
        max_length=8,
        choices=ReviewMode.choices,
        default=ReviewMode.ALL,
        help_text=_(
            "“并行”：省通信管理局与省工业和信息化主管部门联合复审，均同意方可报部；“任一部门”：一个部门复审即可。"
        ),
    )
    has_national_registration = models.BooleanField(
        _("国家平台注册登记"),
        default=False,
        help_text=_(
            "勾选后，申报单位须先在国家算力互联网服务平台注册，在申报表中填写注册编号、注册日期并上传注册回执，"
            "方可提交；省级复审通过后由省通信管理局核验。"
        ),
    )
    national_registration_scope = models.CharField(
        _("须在国家平台注册的节点类型"),
        max_length=16,
        choices=[("all", _("所有节点类型")), ("regional", _("仅区域节点")), ("industry", _("仅行业节点"))],
        default="industry",
        help_text=_("四川：申报行业节点的企事业单位须同步在国家平台注册。"),
    )
    has_paper_copies = models.BooleanField(
        _("报送纸质材料"),
        default=False,
        help_text=_(
            "勾选后，审核部门登记纸质材料的收到日期、份数和接收人；截止时仍未登记收到的申报自动视为放弃，"
            "流程结束并通知申报单位。"
        ),
    )
    paper_copies_count = models.PositiveSmallIntegerField(_("纸质材料份数"), default=0, blank=True)
    paper_copies_address = models.CharField(_("纸质材料报送地址"), max_length=255, blank=True)

    # dates
    opens_at = models.DateTimeField(_("申报开始"))
    industry_name_prereview_deadline = models.DateTimeField(
        _("行业名称初核截止"),
        null=True,
        blank=True,
        help_text=_("填写后，行业节点须先报行业名称初核（河北：3月10日前）；留空则无此环节。"),
    )
    materials_deadline = models.DateTimeField(_("申报材料截止"))
    municipal_review_starts_at = models.DateTimeField(_("市级初审开始"), null=True, blank=True)
    municipal_review_ends_at = models.DateTimeField(_("市级初审截止"), null=True, blank=True)
    provincial_review_starts_at = models.DateTimeField(_("省级联合复审开始"), null=True, blank=True)
    provincial_review_ends_at = models.DateTimeField(_("省级联合复审截止"), null=True, blank=True)
    paper_copies_deadline = models.DateTimeField(_("纸质材料报送截止"), null=True, blank=True)
    ministry_deadline = models.DateTimeField(_("报送工业和信息化部截止"))
    publicity_days = models.PositiveSmallIntegerField(_("公示期（天）"), default=7)
    min_expert_scores = models.PositiveSmallIntegerField(_("最少专家评分数"), default=3)

    # eligibility parameters
    min_registered_capital_wan = models.DecimalField(
        _("建设主体注册资金下限（万元）"),
        max_digits=12,
        decimal_places=2,
        default=5000,
        validators=[MinValueValidator(0)],
        help_text=_("建设主体注册资金低于此数的申报不能提交；填 0 表示不设下限。"),
    )
    licence_categories = models.CharField(
        _("认可的电信业务种类"),
        max_length=255,
        blank=True,
        default=DEFAULT_LICENCE_CATEGORIES,
        validators=[validate_licence_categories],
        help_text=_(
            "运营主体须持有含其中任一种类的有效电信业务经营许可证，以逗号分隔；默认为互联网数据中心（B11，含云服务）、"
            "内容分发网络（B12）、互联网接入服务（B14）业务；留空则任何种类均可。事业单位免于此项。"
        ),
    )
    dishonesty_years = models.PositiveSmallIntegerField(
        _("失信记录回溯年数"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("建设、运营主体在此年数内有重大失信记录的，不能提交。"),
    )
    max_consortium = models.PositiveSmallIntegerField(
        _("联合体最多单位数"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("含牵头单位；1 表示不接受联合体申报（申报表至多容纳牵头单位和两家联合单位）。"),
    )
    one_regional_per_province = models.CharField(
        _("每省一个区域节点"),
        max_length=8,
        choices=RuleAction.choices,
        default=RuleAction.BLOCK,
        help_text=_("本批次同一省份已有区域节点申报时的处理方式。"),
    )
    one_per_industry = models.CharField(
        _("每个行业一个行业节点"),
        max_length=8,
        choices=RuleAction.choices,
        default=RuleAction.WARN,
        help_text=_("本批次同一行业已有行业节点申报时的处理方式。"),
    )

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-year", "province_id", "batch"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.accepts_regional or self.accepts_industry):
            raise ValidationError({"accepts_regional": _("至少受理一类节点。")})
        if self.opens_at and self.materials_deadline and self.materials_deadline <= self.opens_at:
            raise ValidationError({"materials_deadline": _("申报材料截止须晚于申报开始。")})
        if self.has_paper_copies and not self.paper_copies_address:
            raise ValidationError({"paper_copies_address": _("报送纸质材料时请填写报送地址。")})
        if self.has_paper_copies and not self.paper_copies_deadline:
            raise ValidationError(
                {"paper_copies_deadline": _("报送纸质材料时请填写报送截止时间（逾期未报送的视为自动放弃）。")}
            )

    @property
    def deadline_display(self) -> str:
        """The materials deadline in Beijing time ("2026-03-25 24:00")."""
        return format_deadline(self.materials_deadline)

    @property
    def opens_display(self) -> str:
        return f"{timezone.localtime(self.opens_at):%Y-%m-%d %H:%M}"

    @property
    def node_types(self) -> list[str]:
        return [
            t
            for t, on in ((NodeType.REGIONAL, self.accepts_regional), (NodeType.INDUSTRY, self.accepts_industry))
            if on
        ]

    def applicant_stage_names(self) -> dict[str, str]:
        """{stage: the name the operator gave it for applicants}, read once per campaign instance."""
        if not hasattr(self, "_stage_names"):
            self._stage_names = {row.stage: row.label for row in self.stage_names.all()}
        return self._stage_names

    def requires_name_prereview(self, node_type: str) -> bool:
        return node_type == NodeType.INDUSTRY and self.industry_name_prereview_deadline is not None


def local_date(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value else None


def format_deadline(value: datetime.datetime | None) -> str:
    """A deadline in Beijing time; midnight is shown as 24:00 of the day before ("3月25日 24:00")."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local - datetime.timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
