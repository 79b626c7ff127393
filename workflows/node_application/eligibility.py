"""Eligibility checks of the notice, as pure functions over an application and its campaign's rules.

Shown to the applicant before submit and re-checked on submit. Each check yields ``Finding``s; a
``block`` finding refuses the submission, a ``warning`` is shown to the applicant and the reviewers.
The parameters (capital threshold, licence categories, look-back years, consortium size, one-per rules) come
from ``campaign_rules.rules_for``: the campaign's configuration for a draft, the frozen version once submitted.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext

from organizations.models import OrganizationKind
from organizations.org_code import org_code_of, validate_unit_code
from organizations.telecom import TELECOM_CATEGORIES

from . import findings as false_materials
from .campaign_rules import CampaignRules, rules_for
from .models import MaterialKind, NodeApplication, NodeType, RuleAction, Stage

BLOCK = "block"
WARNING = "warning"

# Applications that still count for "one per province / industry" (drafts and dead ends do not).
_COUNTING_EXCLUDED = {Stage.DRAFT, Stage.WITHDRAWN, Stage.NOT_RECOMMENDED, Stage.REJECTED}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    field: str | None = None

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK


def wan(amount: Decimal) -> str:
    """An amount in 万元 without trailing zeros ("5000")."""
    return format(Decimal(amount).normalize(), "f")


def check_capital(application: NodeApplication) -> list[Finding]:
    rules = rules_for(application)
    entity = application.construction_entity
    if entity is None:
        return [Finding("construction_entity_missing", BLOCK, _("请选择建设主体。"), "construction_entity")]
    threshold = rules.min_registered_capital
    if threshold and (entity.registered_capital is None or entity.registered_capital < threshold):
        return [
            Finding(
                "capital_too_low",
                BLOCK,
                _("建设主体注册资金不低于%(amount)s万元（%(name)s 登记为 %(capital)s 元）。")
                % {
                    "amount": wan(rules.min_registered_capital_wan),
                    "name": entity.name,
                    "capital": entity.registered_capital if entity.registered_capital is not None else "—",
                },
                "construction_entity",
            )
        ]
    return []


def licence_match(application: NodeApplication, *, on: datetime.date) -> tuple[object | None, list[str]]:
    """(the operating entity's valid licence that holds a category the campaign counts, those categories), or
    (None, []). Without configured categories any valid licence counts, with all its categories."""
    entity = application.operating_entity
    if entity is None:
        return None, []
    wanted = set(rules_for(application).licence_categories)
    for licence in entity.valid_telecom_licences(on=on).order_by("number"):
        held = [code for code in licence.categories or [] if not wanted or code in wanted]
        if held:
            return licence, held
    return None, []


def _categories(codes) -> str:
    return pgettext("punctuation", "、").join(
        f"{code} {TELECOM_CATEGORIES.get(code, '')}".strip() for code in sorted(codes)
    )


def check_telecom_licence(application: NodeApplication, *, on: datetime.date) -> list[Finding]:
    entity = application.operating_entity
    if entity is None:
        return [Finding("operating_entity_missing", BLOCK, _("请选择运营主体。"), "operating_entity")]
    if entity.kind == OrganizationKind.PUBLIC_INSTITUTION:
        return []
    wanted = set(rules_for(application).licence_categories)
    licence, _held = licence_match(application, on=on)
    if licence is None:
        if wanted:
            held = sorted({c for lic in entity.valid_telecom_licences(on=on) for c in lic.categories or []})
            message = _(
                "运营主体应持有相关电信业务经营许可（事业单位除外）：%(name)s 缺少本批次认可的业务种类"
                "（%(codes)s 之一）；其有效许可证所含种类：%(held)s。"
            ) % {"codes": _categories(wanted), "name": entity.name, "held": _categories(held) or _("无")}
        else:
            message = _("运营主体应持有有效的电信业务经营许可（事业单位除外）：%(name)s 无有效许可证。") % {
                "name": entity.name
            }
        return [Finding("no_telecom_licence", BLOCK, message, "operating_entity")]
    return []


def licence_note(application: NodeApplication, *, on: datetime.date) -> str:
    """What was found for a met licence condition: the licence and its category that counts, or the exemption."""
    entity = application.operating_entity
    if entity is None:
        return ""
    if entity.kind == OrganizationKind.PUBLIC_INSTITUTION:
        return _("运营主体 %(name)s 为事业单位，免于电信业务经营许可要求。") % {"name": entity.name}
    licence, held = licence_match(application, on=on)
    if licence is None:
        return ""
    return _("%(name)s 持有许可证 %(number)s（有效期至 %(until)s），含 %(codes)s。") % {
        "name": entity.name,
        "number": licence.number,
        "until": licence.valid_until,
        "codes": _categories(held),
    }


def check_facilities(application: NodeApplication) -> list[Finding]:
    """具有运营必要的场地、设备和人员等条件: the declaration is complete and its evidence uploaded. The node checks
    completeness and consistency; whether the conditions suffice is the reviewers' judgement."""
    from .form_content import FACILITY_REQUIRED

    findings = []
    if any(getattr(application, name) in (None, "") for name in FACILITY_REQUIRED):
        findings.append(
            Finding(
                "facilities_undeclared", BLOCK, _("请填写运营条件声明（场地、设备、人员）。"), "facility_site_address"
            )
        )
    if not any(m.kind == MaterialKind.FACILITIES_PROOF for m in application.materials.all()):
        findings.append(
            Finding("facilities_no_evidence", BLOCK, _("请上传运营条件证明材料（场地、设备、人员）。"), None)
        )
    return findings


def facilities_note(application: NodeApplication) -> str:
    a = application
    if a.facility_site_area_m2 is None or a.facility_staff_total is None:
        return ""
    return _(
        "场地 %(area)s 平方米（%(tenure)s）；机架 %(racks)s 个，供电 %(power)s 千瓦，设备 %(servers)s 台；"
        "运营人员 %(staff)s 人，其中技术 %(tech)s 人、网络和数据安全 %(sec)s 人。"
    ) % {
        "area": a.facility_site_area_m2,
        "tenure": a.get_facility_site_tenure_display() or "—",
        "racks": a.facility_racks if a.facility_racks is not None else "—",
        "power": a.facility_power_kw if a.facility_power_kw is not None else "—",
        "servers": a.facility_servers if a.facility_servers is not None else "—",
        "staff": a.facility_staff_total,
        "tech": a.facility_staff_technical if a.facility_staff_technical is not None else "—",
        "sec": a.facility_staff_security if a.facility_staff_security is not None else "—",
    }


def check_dishonesty(application: NodeApplication, *, on: datetime.date) -> list[Finding]:
    years = rules_for(application).dishonesty_years
    findings = []
    seen = set()
    for entity in (application.construction_entity, application.operating_entity):
        if entity is None or entity.pk in seen:
            continue
        seen.add(entity.pk)
        if entity.has_dishonesty_within(years=years, on=on):
            findings.append(
                Finding(
                    "major_dishonesty",
                    BLOCK,
                    _("%(name)s 近%(years)s年有重大失信记录，不符合申报条件。") % {"name": entity.name, "years": years},
                )
            )
    return findings


def check_consortium(application: NodeApplication) -> list[Finding]:
    findings = []
    if not application.lead_name:
        findings.append(Finding("lead_missing", BLOCK, _("请填写实施主体牵头单位。"), "lead_name"))
    # The form holds at most two joint units; the count guards data entered any other way.
    limit = rules_for(application).max_consortium
    if 1 + len(application.joint_units) > limit:
        message = _("联合体不可超过%(count)s家。") % {"count": limit}
        if limit == 1:
            message = _("本批次不接受联合体申报。")
        findings.append(Finding("consortium_too_large", BLOCK, message, "joint1_name"))
    for n, unit in enumerate(application.joint_units, start=1):
        if not unit["name"]:
            findings.append(Finding("joint_name_missing", BLOCK, _("请填写联合申报单位名称。"), f"joint{n}_name"))
    return findings


def check_usccs(application: NodeApplication) -> list[Finding]:
    findings = []
    codes = [("lead_uscc", application.lead_uscc)] + [
        (f"joint{n}_uscc", unit["uscc"]) for n, unit in enumerate(application.joint_units, start=1)
    ]
    for field, code in codes:
        if not code:
            findings.append(Finding("uscc_missing", BLOCK, _("请填写组织机构代码或统一社会信用代码。"), field))
            continue
        try:
            validate_unit_code(code)  # the notices' tables take either (GB 11714 or GB 32100)
        except ValidationError as error:
            findings.append(Finding("uscc_invalid", BLOCK, " ".join(error.messages), field))
    # a unit named once by its USCC and once by its old organisation code is the same unit
    present = [org_code_of(code) or code for _f, code in codes if code]
    if len(present) != len(set(present)):
        findings.append(
            Finding(
                "uscc_duplicate",
                BLOCK,
                _("联合体成员的代码不能重复（同一单位的统一社会信用代码与其原组织机构代码视为同一单位）。"),
            )
        )
    return findings


def check_false_materials(application: NodeApplication) -> list[Finding]:
    """对于提供虚假材料的，一经发现不得重新申报: a finding in force against the organisation or a USCC it names, in
    the campaigns the finding covers."""
    return [
        Finding(
            "false_materials",
            BLOCK,
            _("%(organization)s（%(uscc)s）于 %(date)s 被认定提供虚假材料，不得在%(scope)s申报。")
            % {
                "organization": finding.organization.name,
                "uscc": finding.uscc,
                "date": false_materials.local_day(finding.recorded_at),
                "scope": false_materials.scope_text(finding),
            },
        )
        for finding in false_materials.in_force_against(application)
    ]


def _severity(action: str) -> str:
    return BLOCK if action == RuleAction.BLOCK else WARNING


def check_one_regional_per_province(application: NodeApplication) -> list[Finding]:
    action = rules_for(application).one_regional_per_province
    if application.node_type != NodeType.REGIONAL or application.region_id is None or action == RuleAction.OFF:
        return []
    others = (
        NodeApplication.objects.filter(
            campaign=application.campaign, node_type=NodeType.REGIONAL, region=application.region
        )
        .exclude(pk=application.pk)
        .exclude(stage__in=_COUNTING_EXCLUDED)
    )
    if others.exists():
        return [
            Finding(
                "regional_exists",
                _severity(action),
                _("每个省级行政区可申报1个区域节点，本省已有区域节点申报。"),
                "region",
            )
        ]
    return []


def check_one_industry_node(application: NodeApplication) -> list[Finding]:
    action = rules_for(application).one_per_industry
    if application.node_type != NodeType.INDUSTRY or application.industry_id is None or action == RuleAction.OFF:
        return []
    others = (
        NodeApplication.objects.filter(
            campaign=application.campaign, node_type=NodeType.INDUSTRY, industry=application.industry
        )
        .exclude(pk=application.pk)
        .exclude(stage__in=_COUNTING_EXCLUDED)
    )
    count = others.count()
    if count:
        return [
            Finding(
                "industry_exists",
                _severity(action),
                _("每个行业原则上可申报1个行业节点：本批次同一行业已有 %(count)s 个申报。") % {"count": count},
                "industry",
            )
        ]
    return []


def check_application(application: NodeApplication, *, on: datetime.date) -> list[Finding]:
    """Every eligibility check of the notice, in the order the applicant reads them."""
    return [
        *check_capital(application),
        *check_telecom_licence(application, on=on),
        *check_facilities(application),
        *check_dishonesty(application, on=on),
        *check_consortium(application),
        *check_usccs(application),
        *check_one_regional_per_province(application),
        *check_one_industry_node(application),
        *check_false_materials(application),
    ]


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocks]


@dataclass(frozen=True)
class CheckResult:
    """One condition of the notice as a reviewer or applicant reads it: met, or the findings against it."""

    label: str
    findings: tuple[Finding, ...]
    note: str = ""  # what was found when the condition is met (the licence category, the declared figures)

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def blocks(self) -> bool:
        return any(f.blocks for f in self.findings)


def condition_labels(rules: CampaignRules) -> dict[str, str]:
    """The name of each condition, with the campaign's parameters in it."""
    licence = (
        _("运营主体持有相关电信业务经营许可（%(codes)s 之一；事业单位除外）")
        % {"codes": _categories(rules.licence_categories)}
        if rules.licence_categories
        else _("运营主体持有有效的电信业务经营许可（事业单位除外）")
    )
    return {
        "false_materials": str(_l("未因提供虚假材料被禁止申报")),
        "capital": _("建设主体注册资金不低于%(amount)s万元") % {"amount": wan(rules.min_registered_capital_wan)},
        "licence": licence,
        "facilities": str(_l("运营主体具有运营必要的场地、设备和人员等条件（声明与证明材料）")),
        "dishonesty": _("建设、运营主体近%(years)s年无重大失信记录") % {"years": rules.dishonesty_years},
        "consortium": _("实施主体（联合体不超过%(count)s家）") % {"count": rules.max_consortium},
        "uscc": str(_l("统一社会信用代码有效且不重复")),
        "regional": str(_l("每个省级行政区1个区域节点")),
        "industry": str(_l("每个行业原则上1个行业节点")),
    }


def itemised(application: NodeApplication, *, on: datetime.date) -> list[CheckResult]:
    """Every condition of the notice with its result, met ones included (the checklist of the task page)."""
    rules = rules_for(application)
    labels = condition_labels(rules)
    checks = [
        ("capital", lambda: check_capital(application)),
        ("licence", lambda: check_telecom_licence(application, on=on)),
        ("facilities", lambda: check_facilities(application)),
        ("dishonesty", lambda: check_dishonesty(application, on=on)),
        ("consortium", lambda: check_consortium(application)),
        ("uscc", lambda: check_usccs(application)),
    ]
    if application.node_type == NodeType.REGIONAL:
        if rules.one_regional_per_province != RuleAction.OFF:
            checks.append(("regional", lambda: check_one_regional_per_province(application)))
    elif rules.one_per_industry != RuleAction.OFF:
        checks.append(("industry", lambda: check_one_industry_node(application)))
    checks.append(("false_materials", lambda: check_false_materials(application)))
    notes = {
        "licence": lambda: licence_note(application, on=on),
        "facilities": lambda: facilities_note(application),
    }
    results = []
    for key, run in checks:
        findings = tuple(run())
        results.append(CheckResult(labels[key], findings, "" if findings or key not in notes else notes[key]()))
    return results


def verdict_json(findings: list[Finding]) -> list[dict]:
    """The findings an application was submitted with, as recorded on it."""
    return [{"code": f.code, "severity": f.severity, "message": str(f.message), "field": f.field} for f in findings]
