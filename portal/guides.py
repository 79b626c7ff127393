"""A campaign's application guide (申报指南), built from the campaign's data and the eligibility rules.

Nothing here is typed in by editors: change the campaign (or a rule) and every guide follows.
Reads only the Campaign's configuration (its fields and its rules, ``campaign_rules.rules_from_campaign``).
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from organizations.models import IndustryCategory
from workflows.node_application.campaign_rules import CampaignRules, rules_from_campaign
from workflows.node_application.eligibility import wan
from workflows.node_application.models import Campaign, NodeType, ReviewMode, RuleAction, format_deadline


@dataclass(frozen=True)
class GuideStep:
    title: str
    detail: str = ""
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None

    @property
    def when(self) -> str:
        """The step's date or window in Beijing time ("2026-03-21 00:00 至 2026-03-25 24:00")."""
        if self.starts_at and self.ends_at:
            return _("%(start)s 至 %(end)s") % {
                "start": f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}",
                "end": format_deadline(self.ends_at),
            }
        if self.ends_at:
            return _("%(end)s 前") % {"end": format_deadline(self.ends_at)}
        if self.starts_at:
            return _("%(start)s 起") % {"start": f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"}
        return ""

    @property
    def deadline_iso(self) -> str:
        moment = self.ends_at or self.starts_at
        return timezone.localtime(moment).isoformat() if moment else ""


@dataclass(frozen=True)
class GuideMaterial:
    label: str
    editable_required: bool
    only_if: str = ""
    pdf_required: bool = True
    max_size_mb: int = 20
    note: str = ""


@dataclass(frozen=True)
class CampaignGuide:
    campaign: Campaign
    node_types: list[str]
    conditions: list[str]
    steps: list[GuideStep]
    materials: list[GuideMaterial] = field(default_factory=list)
    is_open: bool = False
    is_closed: bool = False


def _conditions(campaign: Campaign, rules: CampaignRules) -> list[str]:
    conditions = []
    if rules.min_registered_capital_wan:
        conditions.append(
            _("建设主体注册资金不低于%(amount)s万元，并有持续的资金保障能力。")
            % {"amount": wan(rules.min_registered_capital_wan)}
        )
    if rules.licence_categories:
        conditions.append(
            _("运营主体持有包含 %(codes)s 之一的有效电信业务经营许可（事业单位除外），具备运营所需的场地、设备和人员。")
            % {"codes": pgettext("punctuation", "、").join(rules.licence_categories)}
        )
    else:
        conditions.append(_("运营主体持有有效的电信业务经营许可（事业单位除外），具备运营所需的场地、设备和人员。"))
    conditions.append(_("建设主体和运营主体近%(years)d年无重大失信记录。") % {"years": rules.dishonesty_years})
    if rules.max_consortium > 1:
        conditions.append(
            _("可单独或以联合体方式申报，联合体不超过%(count)d家（牵头单位1家，联合单位至多%(joint)d家）。")
            % {"count": rules.max_consortium, "joint": rules.max_consortium - 1}
        )
    else:
        conditions.append(_("本批次只接受单独申报，不接受联合体申报。"))
    if campaign.accepts_regional and rules.one_regional_per_province != RuleAction.OFF:
        conditions.append(_("区域节点：每个省级行政区可申报1个，由省通信管理局和省工业和信息化主管部门共同申报。"))
    if campaign.accepts_industry:
        count = IndustryCategory.objects.count()
        conditions.append(
            _("行业节点：每个行业原则上1个，行业须为国民经济行业分类（GB/T 4754-2017）中的%(count)d个工业中类之一。")
            % {"count": count}
        )
    conditions.append(_("提供虚假材料的，一经发现不得重新申报。"))
    return conditions


def _steps(campaign: Campaign) -> list[GuideStep]:
    steps = [GuideStep(_("在线填写申报表并上传材料"), _("在本平台“节点申报”中提交。"), starts_at=campaign.opens_at)]
    if campaign.accepts_industry and campaign.industry_name_prereview_deadline:
        steps.append(
            GuideStep(
                _("行业节点报送行业名称初核"),
                _("行业名称经省工业和信息化主管部门初核后再报送申报材料。"),
                ends_at=campaign.industry_name_prereview_deadline,
            )
        )
    steps.append(GuideStep(_("申报材料报送截止"), _("逾期不再受理。"), ends_at=campaign.materials_deadline))
    if campaign.accepts_industry and campaign.has_municipal_review:
        steps.append(
            GuideStep(
                _("市级初审推荐（行业节点）"),
                _("所在市（州）经济和信息化局与通信发展办公室分别初审，均推荐方可报省。")
                if campaign.municipal_review_mode == ReviewMode.ALL
                else _("所在市（州）经济和信息化主管部门会同通信发展办公室初审并推荐。"),
                starts_at=campaign.municipal_review_starts_at,
                ends_at=campaign.municipal_review_ends_at,
            )
        )
    steps.append(
        GuideStep(
            _("省级联合复审"),
            _("省通信管理局与省工业和信息化主管部门同时复审，双方均同意方可报部；任一方可退回修改。")
            if campaign.provincial_review_mode == ReviewMode.ALL
            else _("省级主管部门复审，同意后报部，也可退回修改。"),
            starts_at=campaign.provincial_review_starts_at,
            ends_at=campaign.provincial_review_ends_at,
        )
    )
    if campaign.has_national_registration:
        steps.append(
            GuideStep(
                _("国家平台注册登记"),
                _(
                    "申报单位须在国家算力互联网服务平台“节点申报”页面注册并上传申报材料，在申报表中填写注册编号、"
                    "注册日期并上传注册回执后方可提交；复审通过后由省通信管理局核验。"
                ),
            )
        )
    if campaign.has_paper_copies:
        steps.append(
            GuideStep(
                _("报送纸质材料"),
                _("纸质材料%(count)s份（盖章）报送至：%(address)s。逾期未报送的视为自动放弃申报。")
                % {"count": campaign.paper_copies_count or 1, "address": campaign.paper_copies_address},
                ends_at=campaign.paper_copies_deadline,
            )
        )
    steps.append(GuideStep(_("报送工业和信息化部"), _("逾期不予受理。"), ends_at=campaign.ministry_deadline))
    steps.append(GuideStep(_("专家评审"), _("工业和信息化部组织专家评审。")))
    steps.append(GuideStep(_("公示"), _("评审通过的节点公示%(days)d天。") % {"days": campaign.publicity_days}))
    steps.append(GuideStep(_("批复、建设、对接联调与验收")))
    return steps


def _materials(rules: CampaignRules) -> list[GuideMaterial]:
    scope_notes = {NodeType.REGIONAL: _("区域节点提供"), NodeType.INDUSTRY: _("行业节点提供")}
    return [
        GuideMaterial(
            rule.label,
            rule.editable_required,
            "；".join(part for part in (str(scope_notes.get(rule.scope, "")), rule.only_if) if part),
            pdf_required=rule.pdf_required,
            max_size_mb=rule.max_size_mb,
            note=rule.note,
        )
        for rule in rules.materials
    ]


def campaign_guide(*, campaign: Campaign, now: datetime.datetime | None = None) -> CampaignGuide:
    now = now or timezone.now()
    rules = rules_from_campaign(campaign)
    return CampaignGuide(
        campaign=campaign,
        node_types=[str(NodeType(node_type).label) for node_type in campaign.node_types],
        conditions=_conditions(campaign, rules),
        steps=_steps(campaign),
        materials=_materials(rules),
        is_open=campaign.opens_at <= now < campaign.materials_deadline,
        is_closed=now >= campaign.materials_deadline,
    )


def guide_text(*, campaign: Campaign) -> str:
    """The guide as plain text, for the site search index."""
    guide = campaign_guide(campaign=campaign)
    parts = [campaign.name, *guide.node_types, *guide.conditions]
    parts += [f"{step.title} {step.detail} {step.when}" for step in guide.steps]
    parts += [material.label for material in guide.materials]
    return " ".join(parts)
