"""A signed-up person's way into an organisation: register one by its USCC, or ask to join one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import services
from ..forms import JoinRequestForm, OrganizationRegistrationForm
from ..models import JoinRequest, JoinStatus, OrganizationRegistration, RegistrationStatus
from ..throttles import TOO_MANY, email_send_refusal


def _latest_registration(user):
    return OrganizationRegistration.objects.filter(submitted_by=user).first()


@never_cache
@login_required
def organization(request):
    """Where the registrant stands: their organisation, or the registration / join request under way."""
    user = request.user
    context = {
        "registration": _latest_registration(user),
        "join_request": JoinRequest.objects.filter(user=user).select_related("organization").first(),
        "administers": getattr(user, "administers", None) if user.organization_id else None,
        "invitations": services.invitations_for(user=user),
    }
    if context["registration"] is not None:
        context["events"] = context["registration"].events.select_related("actor")
    return render(request, "accounts/organization.html", context)


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@never_cache
@login_required
def register(request):
    """Register an organisation, or resubmit the registration the operator asked to complete."""
    user = request.user
    if user.organization_id or user.authority_id:
        messages.info(request, _("您的账号已属于一个单位或主管部门。"))
        return redirect("accounts:organization")
    instance = OrganizationRegistration.objects.filter(submitted_by=user, status__in=RegistrationStatus.values).first()
    if instance is not None and instance.status == RegistrationStatus.SUBMITTED:
        messages.info(request, _("注册认证申请已提交，请等待节点运营人员认证。"))
        return redirect("accounts:organization")
    if instance is not None and instance.status != RegistrationStatus.MORE_INFO:
        instance = None  # approved or rejected: a new registration
    form = OrganizationRegistrationForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is not None:
                services.registration_resubmit(form=form, user=user)
            else:
                services.registration_submit(form=form, user=user)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("注册认证申请已提交，请等待节点运营人员认证。"))
            return redirect("accounts:organization")
    return render(request, "accounts/register.html", {"form": form, "resubmit": instance is not None})


@never_cache
@login_required
def join(request):
    user = request.user
    if JoinRequest.objects.filter(user=user, status=JoinStatus.PENDING).exists():
        messages.info(request, _("您已申请加入一个单位，请等待其管理员审批。"))
        return redirect("accounts:organization")
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = email_send_refusal(request, address=user.email)  # the administrators are mailed
        if refusal is not None:
            form.add_error(None, refusal)
            return render(request, "accounts/join.html", {"form": form}, status=TOO_MANY)
        try:
            services.join_request_create(
                user=user,
                organization=form.organization,
                roles=form.cleaned_data["requested_roles"],
                note=form.cleaned_data["note"],
                people_url=request.build_absolute_uri(reverse("accounts:people")),
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("已申请加入该单位，请等待其管理员审批。"))
            return redirect("accounts:organization")
    return render(request, "accounts/join.html", {"form": form})


@require_POST
@login_required
def invitation_accept(request, pk: int):
    invitation = get_object_or_404(services.invitations_for(user=request.user), pk=pk)  # not theirs: 404
    try:
        services.invitation_accept(invitation=invitation, user=request.user)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("您已加入 %(name)s。") % {"name": invitation.organization.name})
    return redirect("accounts:organization")
