"""API fields for values a visitor reads as words: both of the site's languages at once (the site is
Chinese at ``/`` and English under ``/en/``), so a front end in either language picks its label."""

from django.utils import translation
from rest_framework import serializers


def labels(text) -> dict[str, str]:
    """A translatable text in both of the site's languages."""
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return {"zh": zh, "en": en}


class LabelledChoiceField(serializers.Field):
    """A choice as ``{"value": "public", "label": {"zh": "主动公开", "en": "…"}}``."""

    def __init__(self, *, choices, **kwargs):
        self.choice_labels = dict(choices)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return {"value": value, "label": labels(self.choice_labels.get(value, value))}
