"""Campaigns (申报批次), stages and the application (附件2 / 附件3)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.fields import UnitCodeField

from .campaigns import Campaign, NodeType, format_deadline, local_date  # noqa: F401  (re-exported)


def private_storage():
    return storages["private"]


class Stage(models.TextChoices):
    DRAFT = "draft", _("草稿")
    NAME_PREREVIEW = "name_prereview", _("行业名称初核")
    MUNICIPAL_REVIEW = "municipal_review", _("市级初审")
    PROVINCIAL_REVIEW = "provincial_review", _("省级联合复审")
    NATIONAL_REGISTRATION = "national_registration", _("国家平台注册登记")
    PAPER_COPIES = "paper_copies", _("纸质材料确认")
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
    ABANDONED = "abandoned", _("视为自动放弃")


# What the applicant sees for each stage (staff names differ).
APPLICANT_STAGE_LABELS = {
    Stage.DRAFT: _("填写申报材料"),
    Stage.NAME_PREREVIEW: _("行业名称初核中"),
    Stage.MUNICIPAL_REVIEW: _("市级初审推荐中"),
    Stage.PROVINCIAL_REVIEW: _("省级联合复审中"),
    Stage.NATIONAL_REGISTRATION: _("省级复审通过，国家平台注册登记中"),
    Stage.PAPER_COPIES: _("省级复审通过，待确认纸质材料"),
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
    Stage.ABANDONED: _("纸质材料逾期未报送，视为自动放弃"),
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
    Stage.NATIONAL_REGISTRATION,
    Stage.PAPER_COPIES,
    Stage.MINISTRY_SUBMISSION,
    Stage.EXPERT_REVIEW,
    Stage.PUBLICITY,
    Stage.CONSTRUCTION,
    Stage.INTEGRATION_TESTING,
    Stage.ACCEPTANCE,
}
FINAL_STAGES = {Stage.NOT_RECOMMENDED, Stage.REJECTED, Stage.ACCEPTED, Stage.WITHDRAWN, Stage.ABANDONED}
# Submitted and not yet reported to the ministry: the stages in which paper copies must arrive by their deadline.
BEFORE_MINISTRY_STAGES = {
    Stage.MUNICIPAL_REVIEW,
    Stage.PROVINCIAL_REVIEW,
    Stage.NATIONAL_REGISTRATION,
    Stage.PAPER_COPIES,
    Stage.RETURNED,
}


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class SiteTenure(models.TextChoices):
    OWNED = "owned", _("自有")
    LEASED = "leased", _("租赁")


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
        _("申报单位"),
        max_length=255,
        blank=True,
        help_text=_("区域节点：地方通信管理局、工业和信息化主管部门；行业节点：申报的企事业单位。"),
    )
    recommending_unit = models.CharField(
        _("推荐单位"), max_length=255, blank=True, help_text=_("行业节点：地方工业和信息化主管部门、通信管理局。")
    )

    # 实施主体: 牵头单位 + 至多两家联合申报单位
    lead_name = models.CharField(_("牵头单位名称"), max_length=128, blank=True)
    lead_address = models.CharField(_("牵头单位通讯地址"), max_length=255, blank=True)
    lead_uscc = UnitCodeField(_("牵头单位组织机构代码或统一社会信用代码"), blank=True)
    joint1_name = models.CharField(_("联合申报单位1名称"), max_length=128, blank=True)
    joint1_address = models.CharField(_("联合申报单位1通讯地址"), max_length=255, blank=True)
    joint1_uscc = UnitCodeField(_("联合申报单位1组织机构代码或统一社会信用代码"), blank=True)
    joint2_name = models.CharField(_("联合申报单位2名称"), max_length=128, blank=True)
    joint2_address = models.CharField(_("联合申报单位2通讯地址"), max_length=255, blank=True)
    joint2_uscc = UnitCodeField(_("联合申报单位2组织机构代码或统一社会信用代码"), blank=True)

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

    # 运营条件声明: "具有运营必要的场地、设备和人员等条件" (the operating entity's), with evidence materials
    facility_site_address = models.CharField(_("运营场地地址"), max_length=255, blank=True)
    facility_site_tenure = models.CharField(_("场地权属"), max_length=8, choices=SiteTenure.choices, blank=True)
    facility_site_area_m2 = models.PositiveIntegerField(_("运营场地面积（平方米）"), null=True, blank=True)
    facility_racks = models.PositiveIntegerField(
        _("可用机架数（个）"), null=True, blank=True, help_text=_("节点平台及接入算力部署所用机架，含租用。")
    )
    facility_power_kw = models.PositiveIntegerField(_("供电容量（千瓦）"), null=True, blank=True)
    facility_servers = models.PositiveIntegerField(_("服务器及网络安全设备（台）"), null=True, blank=True)
    facility_staff_total = models.PositiveIntegerField(_("运营人员总数（人）"), null=True, blank=True)
    facility_staff_technical = models.PositiveIntegerField(_("其中技术人员（人）"), null=True, blank=True)
    facility_staff_security = models.PositiveIntegerField(_("其中网络和数据安全人员（人）"), null=True, blank=True)
    facility_note = models.TextField(_("运营条件补充说明"), blank=True)
    form_checksum = models.CharField(
        _("提交时申报表校验值"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("提交时申报表内容的 SHA-256；盖章扫描件上打印的校验码应与其前16位一致。"),
    )

    rules_version = models.ForeignKey(
        "node_application.CampaignRulesVersion",
        verbose_name=_("适用规则版本"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("首次提交时的申报规则；此后修改批次规则不影响本申报。"),
    )
    eligibility_verdict = models.JSONField(_("提交时的资格审查结论"), default=list, blank=True, editable=False)
    # 国家算力互联网服务平台注册 (Sichuan: industry-node applicants register there): recorded by the applicant
    national_registration_no = models.CharField(
        _("国家平台注册编号"),
        max_length=64,
        blank=True,
        help_text=_("在国家算力互联网服务平台“节点申报”页面注册后获得的编号；注册回执作为申报材料上传。"),
    )
    national_registration_on = models.DateField(_("国家平台注册日期"), null=True, blank=True)
    # 纸质材料: registered by the reviewer who received them
    paper_copies_received_on = models.DateField(_("纸质材料收到日期"), null=True, blank=True)
    paper_copies_count = models.PositiveSmallIntegerField(_("纸质材料收到份数"), null=True, blank=True)
    paper_copies_receiver = models.CharField(_("纸质材料接收人"), max_length=64, blank=True)
    paper_copies_received_at = models.DateTimeField(_("纸质材料登记时间"), null=True, blank=True)
    paper_copies_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("纸质材料登记人"),
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

    def clean(self) -> None:
        """The declaration's figures must agree with each other (checked on every save, drafts included)."""
        errors = {}
        total = self.facility_staff_total
        for name in ("facility_staff_technical", "facility_staff_security"):
            value = getattr(self, name)
            if value is not None and total is not None and value > total:
                errors[name] = _("不能多于运营人员总数（%(total)s 人）。") % {"total": total}
        if errors:
            raise ValidationError(errors)

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
        """The campaign's own name for the stage when its operator gave one (as frozen with the application's
        rules version once submitted), else the standard one."""
        if self.rules_version_id is not None:
            names = self.rules_version.rules.get("stage_names", {})  # as ``CampaignRules.as_json`` froze them
        else:
            names = self.campaign.applicant_stage_names()
        return names.get(self.stage) or str(APPLICANT_STAGE_LABELS.get(self.stage, self.get_stage_display()))

    @property
    def is_editable(self) -> bool:
        return self.stage in (Stage.DRAFT, Stage.RETURNED)
