"""Campaigns (申报批次), stages and the application (附件2 / 附件3)."""

import datetime

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.fields import USCCField


def private_storage():
    return storages["private"]


class NodeType(models.TextChoices):
    REGIONAL = "regional", _("区域节点")
    INDUSTRY = "industry", _("行业节点")


class Campaign(models.Model):
    """A call for applications (申报批次) of one province in one year, with every date of its notice.

    Every deadline is an instant (stored in UTC, entered and shown in Asia/Shanghai); an action at or
    after it is refused with 逾期不再受理. Windows without a date are not limited.
    """

    name = models.CharField(_("批次名称"), max_length=128)
    slug = models.SlugField(_("批次代码"), max_length=32, unique=True)
    province = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("省份"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    accepts_regional = models.BooleanField(_("受理区域节点"), default=True)
    accepts_industry = models.BooleanField(_("受理行业节点"), default=True)
    has_municipal_review = models.BooleanField(
        _("行业节点经市级初审"), default=True, help_text=_("四川：各市（州）初审推荐；河北：直接报省工业和信息化厅。")
    )
    opens_at = models.DateTimeField(_("申报开始"))
    industry_name_prereview_deadline = models.DateTimeField(
        _("行业名称初核截止"),
        null=True,
        blank=True,
        help_text=_("填写后，行业节点须先报行业名称初核（河北：3月10日前）。"),
    )
    materials_deadline = models.DateTimeField(_("申报材料截止"))
    municipal_review_starts_at = models.DateTimeField(_("市级初审开始"), null=True, blank=True)
    municipal_review_ends_at = models.DateTimeField(_("市级初审截止"), null=True, blank=True)
    provincial_review_starts_at = models.DateTimeField(_("省级联合复审开始"), null=True, blank=True)
    provincial_review_ends_at = models.DateTimeField(_("省级联合复审截止"), null=True, blank=True)
    ministry_deadline = models.DateTimeField(_("报送工业和信息化部截止"))
    publicity_days = models.PositiveSmallIntegerField(_("公示期（天）"), default=7)
    min_expert_scores = models.PositiveSmallIntegerField(_("最少专家评分数"), default=3)

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-year", "province_id"]
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="campaign_one_per_province_year")]

    def __str__(self) -> str:
        return self.name

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

    def requires_name_prereview(self, node_type: str) -> bool:
        return node_type == NodeType.INDUSTRY and self.industry_name_prereview_deadline is not None


class Stage(models.TextChoices):
    DRAFT = "draft", _("草稿")
    NAME_PREREVIEW = "name_prereview", _("行业名称初核")
    MUNICIPAL_REVIEW = "municipal_review", _("市级初审")
    PROVINCIAL_REVIEW = "provincial_review", _("省级联合复审")
    MINISTRY_SUBMISSION = "ministry_submission", _("形成复审意见并报部")
    RETURNED = "returned", _("退回修改")
    NOT_RECOMMENDED = "not_recommended", _("未予推荐")
    EXPERT_REVIEW = "expert_review", _("专家评审")
    PUBLICITY = "publicity", _("公示")
    REJECTED = "rejected", _("未通过")
    CONSTRUCTION = "construction", _("建设实施")
    INTEGRATION_TESTING = "integration_testing", _("对接联调")
    ACCEPTANCE = "acceptance", _("验收")
    ACCEPTED = "accepted", _("已验收")
    WITHDRAWN = "withdrawn", _("已撤回")


# What the applicant sees for each stage (staff names differ).
APPLICANT_STAGE_LABELS = {
    Stage.DRAFT: _("填写申报材料"),
    Stage.NAME_PREREVIEW: _("行业名称初核中"),
    Stage.MUNICIPAL_REVIEW: _("市级初审推荐中"),
    Stage.PROVINCIAL_REVIEW: _("省级联合复审中"),
    Stage.MINISTRY_SUBMISSION: _("省级复审通过，待报送工业和信息化部"),
    Stage.RETURNED: _("需要修改后重新提交"),
    Stage.NOT_RECOMMENDED: _("未获推荐"),
    Stage.EXPERT_REVIEW: _("工业和信息化部组织评审中"),
    Stage.PUBLICITY: _("公示中"),
    Stage.REJECTED: _("未入选"),
    Stage.CONSTRUCTION: _("已入选，建设实施中"),
    Stage.INTEGRATION_TESTING: _("与国家节点、区域节点对接联调中"),
    Stage.ACCEPTANCE: _("验收中"),
    Stage.ACCEPTED: _("已通过验收"),
    Stage.WITHDRAWN: _("已撤回"),
}

# What the applicant is expected to do now.
APPLICANT_EXPECTED = {
    Stage.DRAFT: _("请完善申报表、上传全部申报材料，通过资格自查后提交。"),
    Stage.RETURNED: _("请按退回意见修改申报表或材料后重新提交。"),
    Stage.CONSTRUCTION: _("请按建设方案推进建设，并登记建设里程碑。"),
}

OPEN_STAGES = {
    Stage.NAME_PREREVIEW,
    Stage.MUNICIPAL_REVIEW,
    Stage.PROVINCIAL_REVIEW,
    Stage.MINISTRY_SUBMISSION,
    Stage.EXPERT_REVIEW,
    Stage.PUBLICITY,
    Stage.CONSTRUCTION,
    Stage.INTEGRATION_TESTING,
    Stage.ACCEPTANCE,
}
FINAL_STAGES = {Stage.NOT_RECOMMENDED, Stage.REJECTED, Stage.ACCEPTED, Stage.WITHDRAWN}


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class NodeApplication(models.Model):
    """One application: the fields of 附件2 (regional node) and 附件3 (industry node), and its state."""

    reference = models.CharField(_("申报编号"), max_length=32, unique=True, editable=False)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("申报批次"), on_delete=models.PROTECT, related_name="applications"
    )
    node_type = models.CharField(_("节点类型"), max_length=16, choices=NodeType.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("填报单位"),
        on_delete=models.PROTECT,
        related_name="node_applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    division_code = models.CharField(_("属地区划代码"), max_length=6, db_index=True, editable=False)
    stage = models.CharField(_("当前环节"), max_length=32, choices=Stage.choices, default=Stage.DRAFT, db_index=True)
    returned_from = models.CharField(_("退回环节"), max_length=32, choices=Stage.choices, blank=True)
    industry_name_approved = models.BooleanField(_("行业名称已通过初核"), default=False)

    # 申报区域 / 申报行业
    region = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("申报区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    industry = models.ForeignKey(
        "organizations.IndustryCategory",
        verbose_name=_("申报行业（工业行业中类）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant_unit = models.CharField(
        _("申报单位"), max_length=255, blank=True, help_text=_("区域节点：地方通信管理局、工业和信息化主管部门。")
    )
    recommending_unit = models.CharField(
        _("推荐单位"), max_length=255, blank=True, help_text=_("行业节点：地方工业和信息化主管部门、通信管理局。")
    )

    # 实施主体: 牵头单位 + 至多两家联合申报单位
    lead_name = models.CharField(_("牵头单位名称"), max_length=128, blank=True)
    lead_address = models.CharField(_("牵头单位通讯地址"), max_length=255, blank=True)
    lead_uscc = USCCField(_("牵头单位统一社会信用代码"), blank=True)
    joint1_name = models.CharField(_("联合申报单位1名称"), max_length=128, blank=True)
    joint1_address = models.CharField(_("联合申报单位1通讯地址"), max_length=255, blank=True)
    joint1_uscc = USCCField(_("联合申报单位1统一社会信用代码"), blank=True)
    joint2_name = models.CharField(_("联合申报单位2名称"), max_length=128, blank=True)
    joint2_address = models.CharField(_("联合申报单位2通讯地址"), max_length=255, blank=True)
    joint2_uscc = USCCField(_("联合申报单位2统一社会信用代码"), blank=True)

    # 联系人信息
    contact_name = models.CharField(_("联系人姓名"), max_length=64, blank=True)
    contact_gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    contact_title = models.CharField(_("职务"), max_length=64, blank=True)
    contact_phone = models.CharField(_("电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("邮箱"), blank=True)

    # 申报说明：五部分
    policy_environment = models.TextField(_("一、政策环境"), blank=True)
    basis = models.TextField(_("二、区位基础 / 行业基础"), blank=True)
    construction_plan = models.TextField(_("三、建设方案"), blank=True)
    application_promotion = models.TextField(_("四、应用推广"), blank=True)
    safeguard_measures = models.TextField(_("五、保障措施"), blank=True)

    construction_entity = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("建设主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    operating_entity = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("运营主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    joint_opinion = models.TextField(_("省级复审意见"), blank=True)
    expert_average = models.DecimalField(_("专家评分均值"), max_digits=5, decimal_places=2, null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("公示截止"), null=True, blank=True)
    package = models.FileField(
        _("报部材料包"), storage=private_storage, upload_to="node_application/packages/", blank=True
    )
    package_sha256 = models.CharField(_("材料包 SHA-256"), max_length=64, blank=True)
    process = models.OneToOneField(
        "viewflow.Process",
        verbose_name=_("审核流程"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="node_application",
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    ministry_submitted_at = models.DateTimeField(_("报部时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("评审结论时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("节点申报")
        verbose_name_plural = _("节点申报")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["campaign", "node_type", "stage"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def title(self) -> str:
        # one translatable phrase each, so that English reads "Sichuan regional node", not "四川省Regional node"
        if self.node_type == NodeType.REGIONAL:
            if self.region_id is None:
                return str(NodeType.REGIONAL.label)
            return _("%(region)s区域节点") % {"region": self.region.display_name}
        if not self.industry_id:
            return str(NodeType.INDUSTRY.label)
        return _("%(industry)s行业节点") % {"industry": self.industry.name}

    @property
    def joint_units(self) -> list[dict]:
        units = []
        for n in (1, 2):
            name = getattr(self, f"joint{n}_name")
            if name or getattr(self, f"joint{n}_uscc"):
                units.append(
                    {
                        "name": name,
                        "address": getattr(self, f"joint{n}_address"),
                        "uscc": getattr(self, f"joint{n}_uscc"),
                    }
                )
        return units

    @property
    def is_consortium(self) -> bool:
        return bool(self.joint_units)

    @property
    def applicant_stage_label(self) -> str:
        return APPLICANT_STAGE_LABELS.get(self.stage, self.get_stage_display())

    @property
    def is_editable(self) -> bool:
        return self.stage in (Stage.DRAFT, Stage.RETURNED)


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
