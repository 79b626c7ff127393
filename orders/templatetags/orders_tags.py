"""Availability of a resource as users see it (reported − held − allocated), for the record page."""

from django import template

from orders import selectors

register = template.Library()


@register.simple_tag
def resource_capacity(record) -> dict | None:
    """None for records without units (lines, services); otherwise the reported, held, allocated and free units."""
    if record is None or getattr(record, "available_units", None) is None or not hasattr(record, "billing_unit"):
        return None
    taken = selectors.capacity_of(resource_id=record.pk)
    held, allocated = taken["held_units"], taken["allocated_units"]
    return {
        "reported": record.available_units,
        "held": held,
        "allocated": allocated,
        "free": max(0, record.available_units - held - allocated),
        "taken": bool(held or allocated),
    }
