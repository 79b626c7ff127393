"""The application form in steps (basic data → units → contacts → narratives → materials → declaration and
submit): which fields each step holds, which are required on submit, and how far each step is complete."""

from dataclasses import dataclass, field
from itertools import groupby

from django.utils.translation import gettext_lazy as _

from organizations.models import IndustryCategory

from .campaign_rules import rules_for
from .form_content import FACILITY_FIELDS, FACILITY_REQUIRED, NARRATIVE
from .models import NodeApplication, NodeType
from .services.common import NATIONAL_REGISTRATION_FIELDS, REQUIRED_ON_SUBMIT


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...] = ()


_UNITS = ("lead_name", "lead_address", "lead_uscc") + tuple(
    f"joint{n}_{part}" for n in (1, 2) for part in ("name", "uscc", "address")
)
STEPS = (
    Step("basic", _("基本信息"), ("industry", "recommending_unit", "applicant_unit", *NATIONAL_REGISTRATION_FIELDS)),
    Step("units", _("实施主体"), (*_UNITS, "construction_entity", "operating_entity", *FACILITY_FIELDS)),
    Step(
        "contacts", _("联系人"), ("contact_name", "contact_gender", "contact_title", "contact_phone", "contact_email")
    ),
    Step("narratives", _("申报书正文"), tuple(NARRATIVE)),
    Step("materials", _("申报材料")),
    Step("submit", _("声明与提交")),
)
STEP_SLUGS = [step.slug for step in STEPS]
MATERIALS, SUBMIT = "materials", "submit"
# Fieldsets inside the units step, by their first field
FIELDSETS = {
    "lead_name": _("牵头单位"),
    "joint1_name": _("联合申报单位1"),
    "joint2_name": _("联合申报单位2"),
    "construction_entity": _("建设主体与运营主体"),
    "facility_site_address": _("运营条件声明"),
}


def step_get(slug: str) -> Step | None:
    return next((step for step in STEPS if step.slug == slug), None)


def step_of_field(name: str) -> str:
    """The step a field (or an error key) belongs to; form-wide problems (the stamped scan) to the materials."""
    return next((step.slug for step in STEPS if name in step.fields), MATERIALS)


def required_on_submit(application: NodeApplication) -> set[str]:
    """The fields ``services.submit_problems`` asks for (marked * on the form)."""
    names = set(REQUIRED_ON_SUBMIT) | set(FACILITY_REQUIRED)
    if application.node_type == NodeType.INDUSTRY:
        names |= {"industry", "recommending_unit"}
    if application.campaign_id and rules_for(application).national_registration_for(application.node_type):
        names |= set(NATIONAL_REGISTRATION_FIELDS)
    return names


def industry_choices_grouped() -> list:
    """The 中类 under their 大类 (``<optgroup>``): a plain select that is searchable by eye without JavaScript."""
    categories = IndustryCategory.objects.order_by("division_code", "code")
    groups = [
        (f"{code} {name}", [(c.code, str(c)) for c in items])
        for (code, name), items in groupby(categories, key=lambda c: (c.division_code, c.division_name))
    ]
    return [("", "---------"), *groups]


@dataclass
class StepState:
    step: Step
    number: int
    current: bool
    complete: bool
    missing: list[tuple[str, str]] = field(default_factory=list)  # (field name, label) still to fill
    notes: list[str] = field(default_factory=list)  # other problems (missing materials, the stamped scan)

    @property
    def slug(self) -> str:
        return self.step.slug

    @property
    def title(self) -> str:
        return self.step.title


def progress(
    *,
    current: str,
    labels: dict[str, str],
    errors: dict[str, list[str]],
    missing_materials: list[str],
    findings: tuple = (),
) -> list[StepState]:
    """Each step with what is still missing in it, from ``services.submit_problems``' answer (blocking eligibility
    findings about a field, such as an operating entity without a telecom licence, in that field's step)."""
    states = [StepState(step, n, step.slug == current, True) for n, step in enumerate(STEPS, start=1)]
    by_slug = {state.slug: state for state in states}
    for name, messages in errors.items():
        state = by_slug[step_of_field(name)]
        if name in labels:
            state.missing.append((name, labels[name]))
        else:
            state.notes.extend(messages)
        state.complete = False
    for finding in findings:
        if finding.blocks and finding.field and finding.field not in errors:
            state = by_slug[step_of_field(finding.field)]
            state.notes.append(finding.message)
            state.complete = False
    if missing_materials:
        by_slug[MATERIALS].notes.extend(missing_materials)
        by_slug[MATERIALS].complete = False
    by_slug[SUBMIT].complete = False  # complete once submitted, when the form is no longer shown
    return states
