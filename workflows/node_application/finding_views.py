"""False-materials findings: recorded by a provincial or ministry reviewer, withdrawn by the ministry. Thin: look
up what the user may see (404 otherwise), validate, call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.form_errors import errors_to_form

from . import findings, selectors, services
from .public_forms import FindingForm, FindingWithdrawForm
from .uploads import CONTENT_TYPES


def _application_for_findings(request, reference: str):
    """The application, if this reviewer may record and see its findings (its province's or the ministry)."""
    application = selectors.application_get_for_user(user=request.user, reference=reference)
    if application is None or not findings.can_record(user=request.user, application=application):
        raise Http404
    return application


@login_required
def application_findings(request, reference: str):
    application = _application_for_findings(request, reference)
    form = FindingForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.finding_record(
                    application=application,
                    actor=request.user,
                    scope=form.cleaned_data["scope"],
                    facts=form.cleaned_data["facts"],
                    evidence=form.cleaned_data["evidence"],
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as error:
                errors_to_form(form, error)
                status = 400
            else:
                messages.success(request, _("已记录虚假材料认定。"))
                return redirect("node_application:findings", reference=application.reference)
        else:
            status = 400
    return render(
        request,
        "node_application/false_material_findings.html",
        {
            "application": application,
            "findings": findings.finding_list_for_user(user=request.user).filter(application=application),
            "form": form,
            "withdraw_form": FindingWithdrawForm() if findings.is_ministry(request.user) else None,
        },
        status=status,
    )


@login_required
def finding_list(request):
    """Every finding this reviewer may see (its province's; all for the ministry), in force first."""
    if not (selectors.is_reviewer(request.user) and request.user.authority.level in ("province", "ministry")):
        raise Http404
    return render(
        request,
        "node_application/false_material_finding_list.html",
        {
            "findings": findings.finding_list_for_user(user=request.user).order_by("withdrawn_at", "-recorded_at"),
            "withdraw_form": FindingWithdrawForm() if findings.is_ministry(request.user) else None,
        },
    )


@login_required
@require_POST
def finding_withdraw(request, pk: int):
    finding = findings.finding_get_for_user(user=request.user, pk=pk)
    if finding is None or not findings.is_ministry(request.user):
        raise Http404
    form = FindingWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.finding_withdraw(finding=finding, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("已撤销该认定。"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("请填写撤销理由。"))
    return redirect("node_application:findings", reference=finding.application.reference)


@login_required
def finding_evidence(request, pk: int):
    finding = findings.finding_get_for_user(user=request.user, pk=pk)
    if finding is None:
        raise Http404
    return FileResponse(
        finding.evidence.open("rb"),
        as_attachment=True,
        filename=finding.evidence_name,
        content_type=CONTENT_TYPES.get(finding.evidence_type, "application/octet-stream"),
    )
