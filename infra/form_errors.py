"""A service's refusal (a ``ValidationError``) shown on the form the user posted."""

from django.core.exceptions import ValidationError


def errors_to_form(form, error: ValidationError) -> None:
    """Each message under its field when the form has that field, otherwise at the top of the form. A
    refusal without fields (a plain message or a list) goes to the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)
