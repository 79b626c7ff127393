"""Writes of the front door: sign-up, registration and certification, joining, people. Keyword-only,
one transaction each; every step leaves a RegistrationEvent and, through django-auditlog, a before/after."""

from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import OnboardingState, Provider, ProviderApiKey
from catalog.services import api_key_revoke
from organizations.models import Organization, TelecomLicence, User
from organizations.roles import Role
from organizations.services import organization_create, user_set_roles

from .models import (
    Invitation,
    JoinRequest,
    JoinStatus,
    OrganizationAdministrator,
    OrganizationRegistration,
    RegistrationEvent,
    RegistrationStatus,
)
from .verification import verification_backend

PROVIDER_ROLES = {Role.PROVIDER, Role.RESELLER, Role.LINE_PROVIDER, Role.APP_SERVICE_PROVIDER}


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """One-use tokens for the sign-up email: they die once the account is active."""

    key_salt = "accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.is_active}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def _mail(*, to: str, subject: str, template: str, context: dict) -> None:
    if to:
        send_mail(subject, render_to_string(template, context), None, [to])


# --- people ------------------------------------------------------------------------------------


@transaction.atomic
def signup_create(*, form, verify_url_for) -> User:
    """Create the account inactive and mail the verification link (``verify_url_for(user)``)."""
    user = form.save(commit=False)
    user.is_active = False
    user.save()
    _mail_verification(user, verify_url_for)
    return user


def _mail_verification(user: User, verify_url_for) -> None:
    _mail(
        to=user.email,
        subject=_("请验证您的电子邮箱"),
        template="accounts/email/verify.txt",
        context={"user": user, "url": verify_url_for(user)},
    )


def verification_resend(*, email: str, verify_url_for) -> bool:
    """Mail a new verification link to an account signed up with ``email`` that was never verified (inactive and
    never signed in: a deactivated account is not revived this way). Whether one was found is not shown to the
    visitor (the page reads the same either way)."""
    user = User.objects.filter(email__iexact=email, is_active=False, last_login__isnull=True).order_by("pk").first()
    if user is None:
        return False
    _mail_verification(user, verify_url_for)
    return True


@transaction.atomic
def email_verify(*, user: User, token: str) -> bool:
    if user.is_active or not email_verification_token.check_token(user, token):
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    return True


def sessions_end(*, user: User) -> int:
    """Delete every live session of ``user``: they are signed out everywhere at once."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


# --- registration and certification ------------------------------------------------------------


def _event(*, registration, action: str, actor: User | None, opinion: str = "") -> None:
    RegistrationEvent.objects.create(registration=registration, action=action, actor=actor, opinion=opinion)


def _verify(registration: OrganizationRegistration) -> None:
    result = verification_backend().verify(
        name=registration.name, uscc=registration.uscc, legal_representative=registration.legal_representative
    )
    registration.verification_backend = result.backend
    registration.verification_detail = result.detail


@transaction.atomic
def registration_submit(*, form, user: User) -> OrganizationRegistration:
    if user.organization_id or user.authority_id:
        raise ValidationError(_("您的账号已属于一个单位或主管部门。"))
    if JoinRequest.objects.filter(user=user, status=JoinStatus.PENDING).exists():
        raise ValidationError(_("您已申请加入一个单位，请等待其管理员审批。"))
    registration = form.save(commit=False)
    registration.submitted_by = user
    registration.status = RegistrationStatus.SUBMITTED
    _verify(registration)
    registration.save()
    _event(registration=registration, action=_("提交注册认证申请"), actor=user)
    return registration


@transaction.atomic
def registration_resubmit(*, form, user: User) -> OrganizationRegistration:
    registration = form.save(commit=False)
    if registration.status != RegistrationStatus.MORE_INFO:
        raise ValidationError(_("该申请当前不能修改。"))
    registration.status = RegistrationStatus.SUBMITTED
    _verify(registration)
    registration.save()
    _event(registration=registration, action=_("补充材料后重新提交"), actor=user)
    return registration


def _organization_from(registration: OrganizationRegistration) -> Organization:
    organization = organization_create(
        name=registration.name,
        uscc=registration.uscc,
        kind=registration.kind,
        registered_capital=registration.registered_capital,
        legal_representative=registration.legal_representative,
        address=registration.address,
        province=registration.province,
        city=registration.city,
    )
    if registration.telecom_licence_number:
        licence = TelecomLicence(
            organization=organization,
            number=registration.telecom_licence_number,
            categories=registration.telecom_categories,
            valid_until=registration.telecom_valid_until,
        )
        licence.full_clean()
        licence.save()
    roles = set(registration.requested_roles)
    if roles & {role.value for role in PROVIDER_ROLES}:
        # The market (入网入市) and the resale qualification are the onboarding processes' business;
        # here the organisation only becomes a provider that may apply for them and use the API.
        Provider.objects.create(
            organization=organization,
            onboarding_state=OnboardingState.APPLIED,
            is_resource_provider=Role.PROVIDER.value in roles,
            is_line_provider=Role.LINE_PROVIDER.value in roles,
            is_app_service_provider=Role.APP_SERVICE_PROVIDER.value in roles,
        )
    return organization


@transaction.atomic
def registration_decide(*, registration: OrganizationRegistration, actor: User, decision: str, opinion: str):
    registration = OrganizationRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.SUBMITTED:
        raise ValidationError(_("该申请已办理，不能重复认证。"))
    registrant = User.objects.select_for_update().get(pk=registration.submitted_by_id)
    if decision == "approve":
        if Organization.objects.filter(uscc=registration.uscc).exists():
            raise ValidationError(_("该统一社会信用代码的单位已完成注册认证。"))
        organization = _organization_from(registration)
        registration.organization = organization
        registration.status = RegistrationStatus.APPROVED
        registrant.organization = organization
        registrant.save(update_fields=["organization"])
        user_set_roles(user=registrant, roles=[Role(value) for value in registration.requested_roles])
        OrganizationAdministrator.objects.update_or_create(user=registrant, defaults={"organization": organization})
        action = _("通过认证")
    elif decision == "more_info":
        registration.status = RegistrationStatus.MORE_INFO
        action = _("要求补充材料")
    else:
        registration.status = RegistrationStatus.REJECTED
        action = _("不予认证")
    registration.opinion = opinion
    registration.decided_by = actor
    registration.decided_at = timezone.now()
    registration.save()
    _event(registration=registration, action=action, actor=actor, opinion=opinion)
    _mail(
        to=registrant.email,
        subject=_("单位注册认证：%(action)s") % {"action": action},
        template="accounts/email/decision.txt",
        context={"registration": registration, "action": action},
    )
    return registration


# --- joining and people ------------------------------------------------------------------------


@transaction.atomic
def join_request_create(
    *, user: User, organization: Organization, roles: list[str], note: str, people_url: str = ""
) -> JoinRequest:
    """Ask to join ``organization``; its administrators are mailed (after commit) with the way to decide."""
    if user.organization_id or user.authority_id:
        raise ValidationError(_("您的账号已属于一个单位或主管部门。"))
    if OrganizationRegistration.objects.filter(
        submitted_by=user, status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.MORE_INFO]
    ).exists():
        raise ValidationError(_("您有一份待认证的单位注册申请。"))
    if JoinRequest.objects.filter(user=user, status=JoinStatus.PENDING).exists():
        raise ValidationError(_("您已申请加入一个单位，请等待其管理员审批。"))
    join_request = JoinRequest.objects.create(user=user, organization=organization, requested_roles=roles, note=note)
    recipients = list(
        OrganizationAdministrator.objects.filter(organization=organization, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    subject = _("【单位人员】%(person)s 申请加入本单位") % {"person": user.get_full_name() or user.username}
    body = render_to_string("accounts/email/join_request.txt", {"join_request": join_request, "people_url": people_url})
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
    return join_request


def organization_roles(*, organization: Organization) -> list[str]:
    """The roles people of ``organization`` may hold: those it was certified for (or, for an
    organisation registered before the front door existed, those its people hold)."""
    registration = getattr(organization, "registration", None)
    if registration is not None:
        return list(registration.requested_roles)
    held = User.objects.filter(organization=organization).values_list("groups__name", flat=True)
    return sorted({name for name in held if name})


@transaction.atomic
def join_request_decide(*, join_request: JoinRequest, actor: User, approve: bool) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinStatus.PENDING:
        raise ValidationError(_("该申请已办理。"))
    user = User.objects.select_for_update().get(pk=join_request.user_id)
    if approve:
        if user.organization_id or user.authority_id:
            raise ValidationError(_("申请人已属于其他单位或主管部门。"))
        allowed = set(organization_roles(organization=join_request.organization))
        user.organization = join_request.organization
        user.save(update_fields=["organization"])
        user_set_roles(user=user, roles=[Role(value) for value in join_request.requested_roles if value in allowed])
    join_request.status = JoinStatus.APPROVED if approve else JoinStatus.REJECTED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save()
    return join_request


@transaction.atomic
def member_set_roles(*, member: User, roles: list[str]) -> User:
    allowed = set(organization_roles(organization=member.organization))
    return user_set_roles(user=member, roles=[Role(value) for value in roles if value in allowed])


@transaction.atomic
def member_remove(*, member: User, actor: User) -> None:
    """Take ``member`` out of their organisation: roles, administration, API keys and sessions end now."""
    if member.pk == actor.pk:
        raise ValidationError(_("不能移除自己。"))
    member = User.objects.select_for_update().get(pk=member.pk)
    for api_key in ProviderApiKey.objects.filter(created_by=member, revoked_at__isnull=True):
        api_key_revoke(api_key=api_key, actor=actor)
    OrganizationAdministrator.objects.filter(user=member).delete()
    member.groups.clear()
    member.user_permissions.remove(credentials_permission())  # granted by this organisation: not carried elsewhere
    member.organization = None
    member.save(update_fields=["organization"])
    sessions_end(user=member)


@transaction.atomic
def administrator_set(*, member: User, on: bool, actor: User) -> None:
    """Make ``member`` an administrator of their organisation, or not; an administrator cannot step down
    themselves (the organisation would be left without one who can undo it)."""
    if not on and member.pk == actor.pk:
        raise ValidationError(_("不能取消自己的管理员身份。"))
    if on:
        OrganizationAdministrator.objects.update_or_create(user=member, defaults={"organization": member.organization})
    else:
        OrganizationAdministrator.objects.filter(user=member).delete()


# What an organisation administrator may grant their own people beyond roles: seeing the access details
# (endpoint, account, credential) of the organisation's orders (orders.access.access_may_reveal).
CREDENTIALS_PERMISSION = ("orders", "view_order_credentials")


def credentials_permission() -> Permission:
    app_label, codename = CREDENTIALS_PERMISSION
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def member_set_credentials_access(*, member: User, on: bool, actor: User) -> bool:
    """Grant or revoke ``orders.view_order_credentials`` for ``member``, a person of the actor's own organisation;
    returns whether anything changed. The change is in the audit trail (auditlog follows ``User.user_permissions``:
    who, when, added or removed)."""
    if member.organization_id is None or member.organization_id != actor.organization_id:
        raise ValidationError(_("只能为本单位人员授权。"))
    permission = credentials_permission()
    has = member.user_permissions.filter(pk=permission.pk).exists()
    if on == has:
        return False
    if on:
        member.user_permissions.add(permission)
    else:
        member.user_permissions.remove(permission)
    return True


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, roles: list[str], actor: User, signup_url: str):
    allowed = set(organization_roles(organization=organization))
    invitation = Invitation.objects.create(
        organization=organization,
        email=email.strip().lower(),
        roles=[value for value in roles if value in allowed],
        invited_by=actor,
    )
    _mail(
        to=invitation.email,
        subject=_("邀请您加入 %(name)s") % {"name": organization.name},
        template="accounts/email/invitation.txt",
        context={"invitation": invitation, "signup_url": signup_url},
    )
    return invitation


def invitations_for(*, user: User):
    """Open invitations addressed to the user's (verified) email address."""
    if not user.email or user.organization_id or user.authority_id:
        return Invitation.objects.none()
    return Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).select_related("organization")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> User:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    user = User.objects.select_for_update().get(pk=user.pk)
    if invitation.accepted_at is not None or invitation.email.lower() != (user.email or "").lower():
        raise ValidationError(_("该邀请已失效。"))
    if user.organization_id or user.authority_id:
        raise ValidationError(_("您的账号已属于一个单位或主管部门。"))
    allowed = set(organization_roles(organization=invitation.organization))
    user.organization = invitation.organization
    user.save(update_fields=["organization"])
    user_set_roles(user=user, roles=[Role(value) for value in invitation.roles if value in allowed])
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    JoinRequest.objects.filter(user=user, status=JoinStatus.PENDING).update(status=JoinStatus.REJECTED)
    return user
