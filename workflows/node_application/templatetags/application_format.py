"""Formatting for the application pages."""

from django import template

register = template.Library()


@register.filter
def file_size(size: int | None) -> str:
    """A file size the same way everywhere: KB below 1 MB, MB above, one decimal ("604 B" is "0.6 KB",
    "1.3 MB"), whatever the page language (Django's ``filesizeformat`` mixes "字节" and "KB")."""
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{max(size / 1024, 0.1):.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
