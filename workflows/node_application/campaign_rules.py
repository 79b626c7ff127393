"""A campaign's rules as one frozen value: eligibility parameters, materials list, route switches, the
applicant-facing stage names and the notification texts.

``rules_from_campaign`` reads the campaign as it stands now (drafts are checked against it);
``rules_for`` gives a submitted application the version it was submitted under (``CampaignRulesVersion``), so
editing a campaign's threshold never changes what an application already submitted was judged by.
"""

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .models.campaigns import Campaign, NodeType, ReviewMode, RuleAction, split_codes
from .models.config import MaterialCondition, MaterialScope
from .models.materials import ALWAYS_REQUIRED, EDITABLE_REQUIRED, MaterialKind

DEFAULT_MAX_MB = 20
# The receipt of the national-platform registration, asked of the node types the campaign names
NATIONAL_REGISTRATION_RECEIPT = "national_registration_receipt"


@dataclass(frozen=True)
class MaterialRule:
    code: str
    label: str
    scope: str = MaterialScope.ALL
    condition: str = MaterialCondition.ALWAYS
    pdf_required: bool = True
    editable_required: bool = False
    max_size_mb: int = DEFAULT_MAX_MB
    note: str = ""

    def applies_to(self, *, node_type: str, is_consortium: bool) -> bool:
        if self.scope != MaterialScope.ALL and self.scope != node_type:
            return False
        return self.condition != MaterialCondition.CONSORTIUM or is_consortium

    @property
    def required(self) -> bool:
        return self.condition != MaterialCondition.OPTIONAL

    @property
    def only_if(self) -> str:
        if self.condition == MaterialCondition.CONSORTIUM:
            return str(_("联合体申报时提供"))
        if self.condition == MaterialCondition.OPTIONAL:
            return str(_("选填"))
        return ""

    @property
    def max_bytes(self) -> int:
        return self.max_size_mb * 1024 * 1024


def default_materials() -> tuple[MaterialRule, ...]:
    """The national notice's list, for a campaign whose operator lists no materials of its own."""
    return tuple(
        MaterialRule(
            code=kind.value,
            label=str(kind.label),
            condition=MaterialCondition.CONSORTIUM
            if kind == MaterialKind.CONSORTIUM_AGREEMENT
            else MaterialCondition.ALWAYS,
            editable_required=kind in EDITABLE_REQUIRED,
            note=str(ALWAYS_REQUIRED.get(kind, "")),
        )
        for kind in MaterialKind
    )


def always_required_missing(codes: set[str]) -> tuple[MaterialRule, ...]:
    """The materials every campaign asks for (``ALWAYS_REQUIRED``) that an operator's own list leaves out."""
    return tuple(
        MaterialRule(code=kind.value, label=str(kind.label), note=str(note))
        for kind, note in ALWAYS_REQUIRED.items()
        if kind.value not in codes
    )


@dataclass(frozen=True)
class CampaignRules:
    min_registered_capital_wan: Decimal = Decimal("5000")
    licence_categories: tuple[str, ...] = ()
    dishonesty_years: int = 3
    max_consortium: int = 3
    one_regional_per_province: str = RuleAction.BLOCK
    one_per_industry: str = RuleAction.WARN
    materials: tuple[MaterialRule, ...] = field(default_factory=default_materials)
    has_name_prereview: bool = False
    has_municipal_review: bool = True
    municipal_review_mode: str = ReviewMode.ANY
    provincial_review_mode: str = ReviewMode.ALL
    has_national_registration: bool = False
    national_registration_scope: str = MaterialScope.INDUSTRY
    has_paper_copies: bool = False
    paper_copies_count: int = 0
    stage_names: tuple[tuple[str, str], ...] = ()  # (stage, the name applicants read)
    notification_texts: tuple[tuple[str, str], ...] = ()  # (stage entered, text with placeholders)
    version: int | None = None  # the CampaignRulesVersion number, None while not yet frozen

    @property
    def min_registered_capital(self) -> Decimal:
        return self.min_registered_capital_wan * 10000

    @property
    def all_materials(self) -> tuple[MaterialRule, ...]:
        """The campaign's list, plus the national-platform registration receipt when the campaign demands it."""
        if not self.has_national_registration or any(m.code == NATIONAL_REGISTRATION_RECEIPT for m in self.materials):
            return self.materials
        receipt = MaterialRule(
            code=NATIONAL_REGISTRATION_RECEIPT,
            label=str(_("国家平台注册回执")),
            scope=self.national_registration_scope,
            max_size_mb=10,
            note=str(_("在国家算力互联网服务平台“节点申报”页面注册并上传申报材料后取得。")),
        )
        return (*self.materials, receipt)

    def material(self, code: str) -> MaterialRule | None:
        return next((m for m in self.all_materials if m.code == code), None)

    def materials_for(self, *, node_type: str, is_consortium: bool) -> list[MaterialRule]:
        return [m for m in self.all_materials if m.applies_to(node_type=node_type, is_consortium=is_consortium)]

    def national_registration_for(self, node_type: str) -> bool:
        """Whether an application of ``node_type`` must record its national-platform registration."""
        scope = self.national_registration_scope
        return self.has_national_registration and (scope == MaterialScope.ALL or scope == node_type)

    def stage_name(self, stage: str) -> str:
        """The campaign's name of ``stage`` for applicants, or "" for the standard one."""
        return dict(self.stage_names).get(stage, "")

    def notification_text(self, stage: str) -> str:
        """The campaign's text for entering ``stage``, or "" for the standard sentence."""
        return dict(self.notification_texts).get(stage, "")

    def municipal_review_for(self, node_type: str) -> bool:
        return node_type == NodeType.INDUSTRY and self.has_municipal_review

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("version")
        data["min_registered_capital_wan"] = format(self.min_registered_capital_wan.normalize(), "f")
        data["licence_categories"] = list(self.licence_categories)
        data["materials"] = [asdict(m) for m in self.materials]
        data["stage_names"] = dict(self.stage_names)
        data["notification_texts"] = dict(self.notification_texts)
        return data

    @classmethod
    def from_json(cls, data: dict, *, version: int | None = None) -> "CampaignRules":
        data = dict(data)
        data["min_registered_capital_wan"] = Decimal(data["min_registered_capital_wan"])
        data["licence_categories"] = tuple(data.get("licence_categories", ()))
        data["materials"] = tuple(MaterialRule(**m) for m in data.get("materials", ()))
        data["stage_names"] = tuple(sorted(data.get("stage_names", {}).items()))
        data["notification_texts"] = tuple(sorted(data.get("notification_texts", {}).items()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known}, version=version)


def rules_from_campaign(campaign: Campaign) -> CampaignRules:
    """The campaign's rules as they stand now."""
    rows = list(campaign.material_rules.all())
    materials = (
        tuple(
            MaterialRule(
                code=row.code,
                label=row.label,
                scope=row.scope,
                condition=row.condition,
                pdf_required=row.pdf_required,
                editable_required=row.editable_required,
                max_size_mb=row.max_size_mb,
                note=row.note,
            )
            for row in rows
        )
        if rows
        else default_materials()
    )
    materials += always_required_missing({m.code for m in materials})
    return CampaignRules(
        min_registered_capital_wan=Decimal(campaign.min_registered_capital_wan),
        licence_categories=tuple(split_codes(campaign.licence_categories)),
        dishonesty_years=campaign.dishonesty_years,
        max_consortium=campaign.max_consortium,
        one_regional_per_province=campaign.one_regional_per_province,
        one_per_industry=campaign.one_per_industry,
        materials=materials,
        has_name_prereview=campaign.industry_name_prereview_deadline is not None,
        has_municipal_review=campaign.has_municipal_review,
        municipal_review_mode=campaign.municipal_review_mode,
        provincial_review_mode=campaign.provincial_review_mode,
        has_national_registration=campaign.has_national_registration,
        national_registration_scope=campaign.national_registration_scope,
        has_paper_copies=campaign.has_paper_copies,
        paper_copies_count=campaign.paper_copies_count or 0,
        stage_names=tuple(sorted(campaign.applicant_stage_names().items())),
        notification_texts=tuple(sorted(campaign.notification_texts.values_list("stage", "text"))),
    )


def rules_for(application) -> CampaignRules:
    """The rules an application is judged by: its frozen version once submitted, else the campaign's current ones.
    Kept on the instance, so one page reads them once."""
    cached = getattr(application, "_rules_cache", None)
    if cached is not None:
        return cached
    if application.rules_version_id is not None:
        version = application.rules_version
        rules = CampaignRules.from_json(version.rules, version=version.number)
    else:
        rules = rules_from_campaign(application.campaign)
    application._rules_cache = rules
    return rules
