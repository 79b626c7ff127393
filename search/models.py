"""Compute selection keeps no tables of its own (live updates read the change feed: changes/)."""
