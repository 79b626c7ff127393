"""The node operator's certification queue (注册认证): verify, ask for more, approve or reject."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .. import services
from ..forms import CertifyDecision
from ..models import OrganizationRegistration, RegistrationStatus


def _operator_only(request) -> None:
    if not request.user.has_perm("accounts.certify"):
        raise Http404  # not the operator's page for anyone else: not found, as everywhere in the node


@never_cache
@login_required
def queue(request):
    _operator_only(request)
    status = request.GET.get("status", RegistrationStatus.SUBMITTED)
    if status not in RegistrationStatus.values:
        status = RegistrationStatus.SUBMITTED
    rows = OrganizationRegistration.objects.filter(status=status).select_related("submitted_by", "province", "city")
    counts = {value: OrganizationRegistration.objects.filter(status=value).count() for value in RegistrationStatus}
    tabs = [(value, label, counts[value]) for value, label in RegistrationStatus.choices]
    return render(request, "accounts/queue.html", {"rows": rows, "status": status, "tabs": tabs})


@never_cache
@login_required
def detail(request, pk: int):
    _operator_only(request)
    registration = get_object_or_404(
        OrganizationRegistration.objects.select_related("submitted_by", "province", "city"), pk=pk
    )
    form = CertifyDecision(request.POST or None)
    if request.method == "POST" and registration.status == RegistrationStatus.SUBMITTED and form.is_valid():
        try:
            services.registration_decide(
                registration=registration,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                opinion=form.cleaned_data["opinion"].strip(),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("认证结论已保存，已通知注册人。"))
            return redirect("accounts:queue")
    events = registration.events.select_related("actor")
    return render(request, "accounts/certify.html", {"registration": registration, "form": form, "events": events})


@login_required
def licence_scan(request, pk: int):
    """The business-licence scan: the operator, or the registrant themselves; always a PDF attachment."""
    registration = get_object_or_404(OrganizationRegistration, pk=pk)
    if not (request.user.has_perm("accounts.certify") or registration.submitted_by_id == request.user.pk):
        raise Http404
    if not registration.licence_scan:
        raise Http404
    return FileResponse(
        registration.licence_scan.open("rb"),
        as_attachment=True,
        filename=f"licence-{registration.uscc}.pdf",
        content_type="application/pdf",
    )
