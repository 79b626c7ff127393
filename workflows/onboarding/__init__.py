"""Filled in by its own issue: one Viewflow process per package."""
