from django import forms
from django.db import models

from .org_code import normalize_unit_code, validate_unit_code
from .uscc import normalize_uscc, validate_uscc


class USCCField(models.CharField):
    """An 18-character unified social credit code, normalised to upper case, checked by GB 32100."""

    default_validators = [validate_uscc]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 18:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_uscc(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_uscc(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": USCCFormField, **kwargs})


class USCCFormField(forms.CharField):
    """Accepts codes typed with spaces or in lower case; the model field validates the result."""

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = None
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"maxlength": "24", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_uscc(value) if value else value


class UnitCodeFormField(USCCFormField):
    """A USCC or a GB 11714 organisation code, typed with spaces, a hyphen or in lower case."""

    def to_python(self, value):
        value = forms.CharField.to_python(self, value)
        return normalize_unit_code(value) if value else value


class UnitCodeField(USCCField):
    """组织机构代码或统一社会信用代码, as the notices' tables ask for a unit: an 18-character USCC (GB 32100) or a
    9-character organisation code (GB 11714), stored as ``XXXXXXXX-X``."""

    default_validators = [validate_unit_code]

    def to_python(self, value):
        value = models.CharField.to_python(self, value)
        return normalize_unit_code(value) if value else value

    def get_prep_value(self, value):
        value = models.CharField.get_prep_value(self, value)
        return normalize_unit_code(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": UnitCodeFormField, **kwargs})
