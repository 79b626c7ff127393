"""Availability as it stands after confirmed schedulings, for pages of other apps (the record page)."""

from django import template

from workflows.demand import selectors

register = template.Library()


@register.simple_tag
def capacity_after_confirmed(record) -> dict | None:
    """None when nothing is confirmed on this resource; otherwise the confirmed cards and units, and the
    units still to be had (reported − confirmed, never below 0)."""
    if record is None or getattr(record, "available_units", None) is None or not hasattr(record, "billing_unit"):
        return None
    cards = selectors.confirmed_cards_by_resource(resource_ids=[record.pk]).get(record.pk, 0)
    if not cards:
        return None
    units = selectors.units_for_cards(
        cards=cards, billing_unit=record.billing_unit, accelerators_per_node=record.accelerators_per_node
    )
    return {"cards": cards, "units": units, "left": max(0, record.available_units - units)}
