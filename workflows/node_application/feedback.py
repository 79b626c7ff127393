"""Errors as users read them: a field's label (its verbose_name or form label), never its code name."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _

from .forms import ExpertAssignForm, ExpertScoreForm, MaterialUploadForm, MilestoneForm, ObjectionForm
from .models import Material, NodeApplication

_FORMS = (MaterialUploadForm, ExpertScoreForm, ExpertAssignForm, ObjectionForm, MilestoneForm)


def field_label(name: str) -> str:
    """The label users see for a field of an application, a material or one of the process's forms ("" if none)."""
    if name in ("__all__", NON_FIELD_ERRORS):
        return ""
    for model in (NodeApplication, Material):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    for form in _FORMS:
        if name in form.base_fields:
            return str(form.base_fields[name].label)
    return ""


def labelled(errors: dict[str, list[str]]) -> list[str]:
    """One line per message: "标签：消息", or the message alone when the field has no label."""
    lines = []
    for name, field_messages in errors.items():
        label = field_label(name)
        for message in field_messages:
            lines.append(_("%(field)s：%(message)s") % {"field": label, "message": message} if label else message)
    return lines


def errors_to_messages(request, error: ValidationError) -> None:
    """A service's refusal as flash messages, each field named by its label."""
    lines = labelled(error.message_dict) if hasattr(error, "error_dict") else list(error.messages)
    for line in lines:
        messages.error(request, line)
