"""The node operator revokes a reseller's 转售调度资格 in two steps: GET shows what will happen and asks for an
opinion; POST with the opinion revokes (one service; audited there). Anyone but a node operator gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from infra.form_errors import errors_to_form

from .forms import QualificationRevokeForm
from .models import ResellerQualification
from .qualifications import reseller_qualification_revoke, reseller_qualification_standing


def _back(qualification: ResellerQualification):
    if qualification.application_id:
        return redirect("onboarding:process", "reseller", qualification.application.process_id)
    return redirect("onboarding:inbox")


@login_required
def qualification_revoke(request, pk: int):
    if not request.user.has_perm("onboarding.certify"):
        raise Http404
    qualification = (
        ResellerQualification.objects.select_related("provider__organization", "application").filter(pk=pk).first()
    )
    if qualification is None:
        raise Http404
    if qualification.revoked_at is not None:
        messages.info(request, _("该转售调度资格已被撤销。"))
        return _back(qualification)
    form = QualificationRevokeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reseller_qualification_revoke(
                    qualification=qualification, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("已撤销转售调度资格 %(number)s，即时生效，已通知该单位。") % {"number": qualification.number},
                )
                return _back(qualification)
        status = 400
    context = {
        "qualification": qualification,
        "standing": reseller_qualification_standing(qualification=qualification),
        "form": form,
    }
    return render(request, "onboarding/qualification_revoke_confirm.html", context, status=status)
