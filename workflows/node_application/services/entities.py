"""Which organisations may be named 建设主体 / 运营主体: the applying organisation itself and the units entered on the
application (lead and joint applicants), matched by their unified social credit code (USCC). Never any other
organisation of the database."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from organizations.models import Organization

from ..models import NodeApplication

ENTITY_FIELDS = ("construction_entity", "operating_entity")
UNIT_USCC_FIELDS = ("lead_uscc", "joint1_uscc", "joint2_uscc")


def entity_not_offered_message() -> str:
    return _("只能选择本单位，或本申报表填写的牵头单位、联合申报单位（按统一社会信用代码对应）。")


def entity_choices(*, application: NodeApplication, usccs: list[str] | None = None) -> QuerySet[Organization]:
    """The organisations offered: the applicant's own and those whose USCC is one of the units' codes (the saved
    ones, plus ``usccs`` typed on the same page and not yet saved)."""
    codes = {getattr(application, name) for name in UNIT_USCC_FIELDS} | set(usccs or [])
    codes = {code.strip().upper() for code in codes if code and code.strip()}
    return Organization.objects.filter(Q(pk=application.organization_id) | Q(uscc__in=codes)).order_by("name")


def ensure_entities_allowed(application: NodeApplication) -> None:
    """Refuse (field by field) an entity that is neither the applicant nor one of the units it entered."""
    allowed = None
    errors = {}
    for name in ENTITY_FIELDS:
        entity_id = getattr(application, f"{name}_id")
        if entity_id is None:
            continue
        if allowed is None:
            allowed = set(entity_choices(application=application).values_list("pk", flat=True))
        if entity_id not in allowed:
            errors[name] = entity_not_offered_message()
    if errors:
        raise ValidationError(errors)
