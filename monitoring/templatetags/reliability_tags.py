"""The reliability figure of a compute resource (monitoring.reliability), for record pages."""

from django import template

from monitoring.reliability import reliability_explanation, reliability_of

register = template.Library()


@register.simple_tag
def resource_reliability(record) -> dict | None:
    """None for records that are not compute resources; else the figure (None: unknown) and how it came about."""
    if record is None or not hasattr(record, "billing_unit") or not hasattr(record, "sla_availability_percent"):
        return None
    row = reliability_of(resource_id=record.pk)
    return {
        "score": None if row is None else row.score_percent,
        "basis": "" if row is None else row.get_basis_display(),
        "explanation": reliability_explanation(row),
        "computed_at": None if row is None else row.computed_at,
    }
