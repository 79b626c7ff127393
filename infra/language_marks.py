"""Data held only in Chinese on pages in another language (issue 15 item 7): the test and a form widget.

The template filters (portal/templatetags/language_marks.py) mark such values with lang="zh-Hans" and a
visible "(Chinese only)" label; an <option> cannot hold markup, so its element carries the lang attribute.
"""

import re

from django import forms
from django.utils.translation import get_language

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def is_chinese_only(text: str) -> bool:
    """True when ``text`` holds Chinese and the page being rendered is not in Chinese."""
    return not (get_language() or "zh").startswith("zh") and bool(HAN.search(text or ""))


class ChineseOnlyOptionsSelect(forms.Select):
    """A select whose Chinese option labels carry lang="zh-Hans" on pages in another language."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if is_chinese_only(str(label)):
            option["attrs"] = {**option["attrs"], "lang": "zh-Hans"}
        return option
