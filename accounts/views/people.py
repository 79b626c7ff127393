"""An organisation administrator's page: its people, their roles, who may see order credentials, join requests
and API keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalog.models import ProviderApiKey
from catalog.services import api_key_revoke
from organizations.models import User
from organizations.selectors import user_roles

from .. import services
from ..forms import InvitationForm, MemberRolesForm
from ..models import Invitation, JoinRequest, JoinStatus, OrganizationAdministrator
from ..throttles import email_send_refusal


def _organization(request):
    organization = request.user.organization
    if organization is None or not request.user.has_perm("accounts.manage_people", organization):
        raise Http404
    return organization


def _member(request, pk: int) -> User:
    return get_object_or_404(User, pk=pk, organization=_organization(request))  # another org's person: 404


def _report(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@never_cache
@login_required
def people(request):
    organization = _organization(request)
    allowed = services.organization_roles(organization=organization)
    admins = set(OrganizationAdministrator.objects.filter(organization=organization).values_list("user_id", flat=True))
    permission = services.credentials_permission()
    granted = set(
        User.objects.filter(organization=organization, user_permissions=permission).values_list("pk", flat=True)
    )
    via_role = set(
        User.objects.filter(Q(organization=organization), Q(groups__permissions=permission)).values_list(
            "pk", flat=True
        )
    )
    members = [
        {
            "user": member,
            "roles": [role.label for role in user_roles(user=member)],
            "is_admin": member.pk in admins,
            "sees_credentials": member.pk in granted,
            "credentials_via_role": member.pk in via_role and member.pk not in granted,
            "form": MemberRolesForm(
                allowed=allowed, initial={"roles": [r.value for r in user_roles(user=member)]}, prefix=f"m{member.pk}"
            ),
        }
        for member in User.objects.filter(organization=organization).order_by("username")
    ]
    context = {
        "organization": organization,
        "members": members,
        "join_requests": JoinRequest.objects.filter(
            organization=organization, status=JoinStatus.PENDING
        ).select_related("user"),
        "invite_form": InvitationForm(allowed=allowed),
        "invitations": Invitation.objects.filter(organization=organization, accepted_at__isnull=True),
        "api_keys": ProviderApiKey.objects.filter(
            provider__organization=organization, revoked_at__isnull=True
        ).select_related("created_by"),
    }
    return render(request, "accounts/people.html", context)


@require_POST
@login_required
def join_decide(request, pk: int):
    organization = _organization(request)
    join_request = get_object_or_404(JoinRequest, pk=pk, organization=organization)
    try:
        services.join_request_decide(
            join_request=join_request, actor=request.user, approve=request.POST.get("decision") == "approve"
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已办理加入申请。"))
    return redirect("accounts:people")


@require_POST
@login_required
def member_roles(request, pk: int):
    member = _member(request, pk)
    form = MemberRolesForm(
        request.POST, allowed=services.organization_roles(organization=member.organization), prefix=f"m{member.pk}"
    )
    if form.is_valid():
        services.member_set_roles(member=member, roles=form.cleaned_data["roles"])
        messages.success(request, _("已更新 %(name)s 的角色。") % {"name": member})
    else:
        messages.error(request, _("所选角色不在本单位认证的角色之内。"))
    return redirect("accounts:people")


@require_POST
@login_required
def member_admin(request, pk: int):
    member = _member(request, pk)
    try:
        services.administrator_set(member=member, on=request.POST.get("on") == "1", actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已更新单位管理员。"))
    return redirect("accounts:people")


@require_POST
@login_required
def member_credentials(request, pk: int):
    """Grant or revoke "may see access credentials" of the organisation's orders (orders.view_order_credentials)."""
    member = _member(request, pk)
    on = request.POST.get("on") == "1"
    try:
        services.member_set_credentials_access(member=member, on=on, actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        text = _("已允许 %(name)s 查看本单位订单的接入凭据。") if on else _("已收回 %(name)s 查看接入凭据的权限。")
        messages.success(request, text % {"name": member})
    return redirect("accounts:people")


@require_POST
@login_required
def member_remove(request, pk: int):
    member = _member(request, pk)
    try:
        services.member_remove(member=member, actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已将 %(name)s 移出本单位，其登录会话与接口密钥已立即失效。") % {"name": member})
    return redirect("accounts:people")


@require_POST
@login_required
def key_revoke(request, pk: int):
    organization = _organization(request)
    api_key = get_object_or_404(ProviderApiKey, pk=pk, provider__organization=organization)
    api_key_revoke(api_key=api_key, actor=request.user)
    messages.success(request, _("密钥 %(prefix)s… 已吊销。") % {"prefix": api_key.prefix})
    return redirect("accounts:people")


@require_POST
@login_required
def invite(request):
    organization = _organization(request)
    form = InvitationForm(request.POST, allowed=services.organization_roles(organization=organization))
    refusal = email_send_refusal(request, address=form.cleaned_data["email"]) if form.is_valid() else None
    if refusal is not None:
        messages.error(request, refusal)
    elif form.is_valid():
        services.invitation_create(
            organization=organization,
            email=form.cleaned_data["email"],
            roles=form.cleaned_data["roles"],
            actor=request.user,
            signup_url=request.build_absolute_uri(reverse("accounts:signup")),
        )
        messages.success(request, _("邀请已发送到 %(email)s。") % {"email": form.cleaned_data["email"]})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("accounts:people")
