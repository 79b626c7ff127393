"""What a user can still get of a resource: the provider's reported units minus what the market has
taken (units held for buyers and allocated to orders). The counters are kept by ``orders.Capacity``
(reverse relation ``capacity``; a resource without a row has nothing taken). This module only names
the expressions so every reader (selection index, snapshots, matching, pages) computes the same figure."""

from django.db.models import F, IntegerField, Value
from django.db.models.functions import Coalesce, Greatest


def taken_units():
    return Coalesce(F("capacity__held_units"), Value(0)) + Coalesce(F("capacity__allocated_units"), Value(0))


def free_units():
    """reported − held − allocated, never below zero."""
    return Greatest(F("available_units") - taken_units(), Value(0), output_field=IntegerField())
