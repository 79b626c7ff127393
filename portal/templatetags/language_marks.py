"""Data held only in Chinese (campaign names, material notes, document titles) on a page in another language:
marked lang="zh-Hans" for screen readers and translators, with a visible "(Chinese only)" label (issue 15 item 7)."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from infra.language_marks import is_chinese_only

register = template.Library()


@register.filter
def zh_only(value):
    """The value as it is on Chinese pages, or when it holds no Chinese; otherwise marked as Chinese only."""
    text = "" if value is None else str(value)
    if not is_chinese_only(text):
        return conditional_escape(value if value is not None else "")
    return format_html('<span lang="zh-Hans">{}</span> <span class="zh-only">{}</span>', text, _("（仅中文）"))


@register.filter
def zh_only_lang(value) -> str:
    """For elements that cannot hold markup (an <option>): the lang attribute the value needs, or nothing."""
    if not is_chinese_only("" if value is None else str(value)):
        return ""
    return mark_safe('lang="zh-Hans"')  # a constant
