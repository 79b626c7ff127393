"""Route records reviewers keep beside the decisions: the receipt of the paper copies (date, count, receiver).

The form is shown on the task page and the application page of a reviewer who may register it, and posts
here; refusals come back on this page with their field errors."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from infra.form_errors import errors_to_form

from . import selectors
from .campaign_rules import NATIONAL_REGISTRATION_RECEIPT, rules_for
from .models import NodeApplication, format_deadline
from .services.paper_copies import (
    paper_copies_can_register,
    paper_copies_pending,
    paper_copies_receive,
    registers_paper_copies,
)


class PaperCopiesForm(forms.Form):
    received_on = forms.DateField(
        label=_l("收到日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), required=False
    )
    count = forms.IntegerField(label=_l("收到份数"), min_value=1, max_value=99, required=False)
    receiver = forms.CharField(label=_l("接收人"), max_length=64, required=False)


def route_records(application: NodeApplication, *, user) -> dict:
    """What the reviewer (and the applicant) read about the national-platform registration and the paper copies.
    Only for a page the user may open already (the application page, their task page): the receipt form is
    offered by role, and its view and service check the jurisdiction again."""
    rules = rules_for(application)
    can_register = paper_copies_pending(application) and registers_paper_copies(user)
    return {
        "national": rules.national_registration_for(application.node_type),
        "receipts": [m for m in application.materials.all() if m.kind == NATIONAL_REGISTRATION_RECEIPT],
        "paper": rules.has_paper_copies,
        "paper_required": rules.paper_copies_count,
        "paper_deadline": format_deadline(application.campaign.paper_copies_deadline),
        "paper_form": PaperCopiesForm(initial={"received_on": timezone.localdate()}) if can_register else None,
    }


@login_required
def paper_copies(request, reference: str):
    application = selectors.application_get_for_user(user=request.user, reference=reference)
    if application is None or not paper_copies_can_register(user=request.user, application=application):
        raise Http404
    form = PaperCopiesForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            paper_copies_receive(application=application, actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("已登记纸质材料收到：%(reference)s。") % {"reference": application.reference})
            return redirect("node_application:detail", reference=application.reference)
    return render(
        request,
        "node_application/paper_copies.html",
        {"application": application, "form": form, "route": route_records(application, user=request.user)},
        status=400 if form.errors else 200,
    )
