"""The per-resource counters (``Capacity``): every change is one UPDATE of the resource's row.

Taking units is a conditional UPDATE: ``held + allocated + units <= reported`` is part of its WHERE.
On PostgreSQL a concurrent UPDATE of the same row waits for the row lock and then evaluates the
WHERE again on the row as the other transaction committed it, so two buyers can never both pass
on the last units; on SQLite writers are serialised (IMMEDIATE transactions). The condition is
written on the row's own columns (no subquery, no annotation), which is what keeps the re-check.
"""

from collections.abc import Iterable

from django.db.models import F
from django.db.models.functions import Greatest

from catalog.models import ComputeResource

from .audit import audit_capacities, audit_capacity
from .models import Capacity


def capacity_rows_ensure(*, resource_ids: Iterable[int]) -> None:
    """A counter row for each resource (created at zero; existing rows are left alone)."""
    Capacity.objects.bulk_create([Capacity(resource_id=pk) for pk in sorted(set(resource_ids))], ignore_conflicts=True)


def reported_units(*, resource_id: int) -> int:
    value = ComputeResource.objects.filter(pk=resource_id).values_list("available_units", flat=True).first()
    return int(value or 0)


def capacity_may_take(*, resource_id: int, units: int) -> bool:
    """A plain read: could ``units`` be taken now? (False is final enough to refuse; True is checked again by
    ``capacity_take``, the only decision that counts.)"""
    row = Capacity.objects.filter(resource_id=resource_id).values_list("held_units", "allocated_units").first()
    held, allocated = row or (0, 0)
    return held + allocated + units <= reported_units(resource_id=resource_id)


def capacity_take(*, resource_id: int, units: int, allocate: bool = False) -> bool:
    """Hold (or allocate at once) ``units`` if the provider's reported units still cover them; False if not."""
    if units <= 0:
        return True
    room = reported_units(resource_id=resource_id) - units
    if room < 0:
        return False
    column = "allocated_units" if allocate else "held_units"
    updated = Capacity.objects.filter(resource_id=resource_id, held_units__lte=room - F("allocated_units")).update(
        **{column: F(column) + units}
    )
    if updated == 1:
        audit_capacity(resource_id=resource_id, **{"allocated" if allocate else "held": units})
    return updated == 1


def capacity_allocate_held(*, resource_id: int, units: int) -> None:
    """Held units become allocated (the provider confirmed)."""
    updated = Capacity.objects.filter(resource_id=resource_id, held_units__gte=units).update(
        held_units=F("held_units") - units, allocated_units=F("allocated_units") + units
    )
    if updated:
        audit_capacity(resource_id=resource_id, held=-units, allocated=units)


def capacity_release(*, resource_id: int, held: int = 0, allocated: int = 0) -> None:
    """Give units back (never below zero)."""
    changes = {}
    if held:
        changes["held_units"] = Greatest(F("held_units") - held, 0)
    if allocated:
        changes["allocated_units"] = Greatest(F("allocated_units") - allocated, 0)
    if changes and Capacity.objects.filter(resource_id=resource_id).update(**changes):
        audit_capacity(resource_id=resource_id, held=-held, allocated=-allocated)


def capacity_release_held(*, units_by_resource: dict[int, int]) -> None:
    """Give back held units of many resources at once (the expiry): one UPDATE per resource, in id order, then
    their audit entries in one INSERT."""
    released = {}
    for resource_id, units in sorted(units_by_resource.items()):
        if units and Capacity.objects.filter(resource_id=resource_id).update(
            held_units=Greatest(F("held_units") - units, 0)
        ):
            released[resource_id] = (-units, 0)
    audit_capacities(changes=released)
