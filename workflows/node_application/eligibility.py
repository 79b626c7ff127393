"""Eligibility checks of the notice, as pure functions over an application.

Shown to the applicant before submit and re-checked on submit. Each check yields ``Finding``s; a
``block`` finding refuses the submission, a ``warning`` is shown to the applicant and the reviewers.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from organizations.models import OrganizationKind
from organizations.uscc import validate_uscc

from .models import NodeApplication, NodeType, Stage

MIN_REGISTERED_CAPITAL = Decimal("50000000")
DISHONESTY_YEARS = 3
MAX_CONSORTIUM = 3

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


def check_capital(application: NodeApplication) -> list[Finding]:
    entity = application.construction_entity
    if entity is None:
        return [Finding("construction_entity_missing", BLOCK, _("请选择建设主体。"), "construction_entity")]
    if entity.registered_capital is None or entity.registered_capital < MIN_REGISTERED_CAPITAL:
        return [
            Finding(
                "capital_too_low",
                BLOCK,
                _("建设主体注册资金不低于5000万元（%(name)s 登记为 %(capital)s 元）。")
                % {
                    "name": entity.name,
                    "capital": entity.registered_capital if entity.registered_capital is not None else "—",
                },
                "construction_entity",
            )
        ]
    return []


def check_telecom_licence(application: NodeApplication, *, on: datetime.date) -> list[Finding]:
    entity = application.operating_entity
    if entity is None:
        return [Finding("operating_entity_missing", BLOCK, _("请选择运营主体。"), "operating_entity")]
    if entity.kind == OrganizationKind.PUBLIC_INSTITUTION:
        return []
    if not entity.valid_telecom_licences(on=on).exists():
        return [
            Finding(
                "no_telecom_licence",
                BLOCK,
                _("运营主体应持有有效的电信业务经营许可（事业单位除外）：%(name)s 无有效许可证。")
                % {"name": entity.name},
                "operating_entity",
            )
        ]
    return []


def check_dishonesty(application: NodeApplication, *, on: datetime.date) -> list[Finding]:
    findings = []
    seen = set()
    for entity in (application.construction_entity, application.operating_entity):
        if entity is None or entity.pk in seen:
            continue
        seen.add(entity.pk)
        if entity.has_dishonesty_within(years=DISHONESTY_YEARS, on=on):
            findings.append(
                Finding(
                    "major_dishonesty",
                    BLOCK,
                    _("%(name)s 近3年有重大失信记录，不符合申报条件。") % {"name": entity.name},
                )
            )
    return findings


def check_consortium(application: NodeApplication) -> list[Finding]:
    findings = []
    if not application.lead_name:
        findings.append(Finding("lead_missing", BLOCK, _("请填写实施主体牵头单位。"), "lead_name"))
    # The form holds at most two joint units; the count guards data entered any other way.
    if 1 + len(application.joint_units) > MAX_CONSORTIUM:
        findings.append(Finding("consortium_too_large", BLOCK, _("联合体不可超过3家。")))
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
            findings.append(Finding("uscc_missing", BLOCK, _("请填写统一社会信用代码。"), field))
            continue
        try:
            validate_uscc(code)
        except ValidationError as error:
            findings.append(Finding("uscc_invalid", BLOCK, " ".join(error.messages), field))
    present = [code for _f, code in codes if code]
    if len(present) != len(set(present)):
        findings.append(Finding("uscc_duplicate", BLOCK, _("联合体成员的统一社会信用代码不能重复。")))
    return findings


def check_one_regional_per_province(application: NodeApplication) -> list[Finding]:
    if application.node_type != NodeType.REGIONAL or application.region_id is None:
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
            Finding("regional_exists", BLOCK, _("每个省级行政区可申报1个区域节点，本省已有区域节点申报。"), "region")
        ]
    return []


def check_one_industry_node(application: NodeApplication) -> list[Finding]:
    if application.node_type != NodeType.INDUSTRY or application.industry_id is None:
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
                WARNING,
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
        *check_dishonesty(application, on=on),
        *check_consortium(application),
        *check_usccs(application),
        *check_one_regional_per_province(application),
        *check_one_industry_node(application),
    ]


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocks]


@dataclass(frozen=True)
class CheckResult:
    """One condition of the notice as a reviewer or applicant reads it: met, or the findings against it."""

    label: str
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def blocks(self) -> bool:
        return any(f.blocks for f in self.findings)


def itemised(application: NodeApplication, *, on: datetime.date) -> list[CheckResult]:
    """Every condition of the notice with its result, met ones included (the checklist of the task page)."""
    checks = [
        (_l("建设主体注册资金不低于5000万元"), lambda: check_capital(application)),
        (_l("运营主体持有有效的电信业务经营许可"), lambda: check_telecom_licence(application, on=on)),
        (_l("建设、运营主体近3年无重大失信记录"), lambda: check_dishonesty(application, on=on)),
        (_l("实施主体（联合体不超过3家）"), lambda: check_consortium(application)),
        (_l("统一社会信用代码有效且不重复"), lambda: check_usccs(application)),
    ]
    if application.node_type == NodeType.REGIONAL:
        checks.append((_l("每个省级行政区1个区域节点"), lambda: check_one_regional_per_province(application)))
    else:
        checks.append((_l("每个行业原则上1个行业节点"), lambda: check_one_industry_node(application)))
    return [CheckResult(str(label), tuple(run())) for label, run in checks]
