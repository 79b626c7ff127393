"""Security writes (system F). Other apps record what they refuse through ``security_event_record``:

from security.services import security_event_record
security_event_record(kind="access_denied", request=request, detail="application 42")
"""

from __future__ import annotations

import logging
from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from organizations.models import User
from organizations.roles import Role

from .client_ip import client_ip
from .models import RiskAssessment, SecurityAlert, SecurityEvent, VulnerabilityFinding, VulnerabilityScan

log = logging.getLogger(__name__)

Kind = SecurityEvent.Kind


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def event_detail(message: str, **params) -> str:
    """``message`` (a msgid marked with ``gettext_noop``) in the node's default language, so the log
    reads the same whichever language the requester uses."""
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(message)
    return text % params if params else text


def security_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Record one security event (who, from where, on which path, what) and alert on a threshold."""
    kind = Kind(kind)
    # A DRF Request authenticates when .user is read: use the Django request underneath.
    request = getattr(request, "_request", request)
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not username:
        username = user.get_username()
    with transaction.atomic():
        event = SecurityEvent.objects.create(
            kind=kind,
            user=user,
            username=(username or "")[:150],
            ip_address=_client_ip(request),
            path=(request.get_full_path() if request is not None else "")[:500],
            detail=detail,
        )
        security_alert_check(kind=kind)
    return event


def _alert_recipients() -> list[str]:
    operators = User.objects.filter(groups__name=Role.NODE_OPERATOR.value, is_active=True).exclude(email="")
    emails = list(operators.values_list("email", flat=True).distinct())
    return sorted(set(emails) | set(settings.SECURITY_ALERT_EMAILS))


def security_alert_check(*, kind: str) -> SecurityAlert | None:
    """Mail the operators when the events of ``kind`` in the configured window reach the threshold.

    One alert per kind and window: a flood produces one mail, not one per event.
    """
    threshold = settings.SECURITY_ALERT_THRESHOLDS.get(str(kind))
    if not threshold:
        return None
    limit, minutes = threshold
    since = timezone.now() - timedelta(minutes=minutes)
    count = SecurityEvent.objects.filter(kind=kind, occurred_at__gte=since).count()
    if count < limit or SecurityAlert.objects.filter(kind=kind, sent_at__gte=since).exists():
        return None
    recipients = _alert_recipients()
    alert = SecurityAlert.objects.create(kind=kind, event_count=count, window_minutes=minutes, recipients=recipients)
    label = SecurityEvent.Kind(kind).label
    subject = _("【安全告警】%(node)s：%(minutes)s 分钟内%(kind)s %(count)s 次") % {
        "node": settings.NODE_NAME,
        "minutes": minutes,
        "kind": label,
        "count": count,
    }
    body = _(
        "%(minutes)s 分钟内记录到 %(count)s 次“%(kind)s”事件，已达到告警阈值 %(limit)s。\n"
        "请登录节点平台查看安全事件：/security/\n\n"
        "%(count)s “%(kind)s” events in %(minutes)s minutes (threshold %(limit)s). See /en/security/."
    ) % {"minutes": minutes, "count": count, "kind": label, "limit": limit}
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=False))
    else:
        log.warning("security alert without recipients: %s", subject)
    return alert


def login_unlock(*, actor: User, username: str = "", ip_address: str = "", request: HttpRequest | None = None) -> int:
    """Lift a login lockout (the attempts of a username, an address, or both); returns attempts removed."""
    if not username and not ip_address:
        raise ValueError("username or ip_address is required")
    with transaction.atomic():
        attempts = AccessAttempt.objects.all()
        if username:
            attempts = attempts.filter(username=username)
        if ip_address:
            attempts = attempts.filter(ip_address=ip_address)
        removed = 0
        for attempt in list(attempts):
            removed += axes_reset(ip=attempt.ip_address, username=attempt.username)
        SecurityEvent.objects.create(
            kind=Kind.UNLOCK,
            user=actor,
            username=username[:150],
            ip_address=ip_address or None,
            path=(request.get_full_path() if request is not None else "")[:500],
            detail=_("%(actor)s 解除锁定，清除 %(n)s 条失败记录") % {"actor": actor.get_username(), "n": removed},
        )
    return removed


@transaction.atomic
def risk_assessment_create(
    *,
    title: str,
    owner: User,
    likelihood: int,
    impact: int,
    review_on,
    description: str = "",
    treatment: str = "",
    status: str = RiskAssessment.Status.OPEN,
) -> RiskAssessment:
    risk = RiskAssessment(
        title=title,
        owner=owner,
        likelihood=likelihood,
        impact=impact,
        review_on=review_on,
        description=description,
        treatment=treatment,
        status=status,
    )
    risk.full_clean()
    risk.save()
    return risk


def vulnerability_scan_run(
    *,
    actor: User | None = None,
    dependencies: bool = True,
    code: bool = True,
    requirement=None,
    code_paths=None,
) -> VulnerabilityScan:
    """Run the scanners (outside any transaction: they take minutes) and store the scan with its findings."""
    from pathlib import Path

    from . import scanning

    started_at = timezone.now()
    skipped = scanning.ToolResult(VulnerabilityScan.Status.SKIPPED)
    dependency = scanning.dependency_audit(requirement=requirement) if dependencies else skipped
    if code:
        paths = code_paths or [Path(settings.BASE_DIR) / name for name in settings.SECURITY_SCAN_CODE_PATHS]
        code_result = scanning.code_audit(paths=[Path(path) for path in paths])
    else:
        code_result = skipped
    statuses = {dependency.status, code_result.status}
    Status = VulnerabilityScan.Status
    for status in (Status.FAILED, Status.INCOMPLETE, Status.FINDINGS):
        if status in statuses:
            overall = status
            break
    else:
        overall = Status.CLEAN
    with transaction.atomic():
        scan = VulnerabilityScan.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            status=overall,
            dependency_status=dependency.status,
            code_status=code_result.status,
            tool_versions={
                name: result.version
                for name, result in (("pip-audit", dependency), ("bandit", code_result))
                if result.version
            },
            message="\n".join(
                f"{label}: {result.message}"
                for label, result in (("pip-audit", dependency), ("bandit", code_result))
                if result.message
            ),
            triggered_by=actor,
        )
        VulnerabilityFinding.objects.bulk_create(
            [
                VulnerabilityFinding(
                    scan=scan,
                    tool=finding.tool,
                    identifier=finding.identifier[:100],
                    severity=finding.severity[:16],
                    package=finding.package[:300],
                    version=finding.version[:50],
                    fix_versions=finding.fix_versions[:200],
                    description=finding.description,
                )
                for finding in dependency.findings + code_result.findings
            ]
        )
    return scan


# --- Second factor (TOTP, django-otp) -----------------------------------------------------------
# Optional, for reviewers and operators: once a user has confirmed an authenticator, every session
# of theirs must pass the second step (security.middleware.SecondFactorMiddleware).
SECOND_FACTOR_ROLES = (
    Role.MUNICIPAL_REVIEWER,
    Role.PROVINCIAL_REVIEWER,
    Role.MINISTRY_REVIEWER,
    Role.EXPERT,
    Role.NODE_OPERATOR,
)


def second_factor_allowed(*, user: User) -> bool:
    return user.is_authenticated and user.groups.filter(name__in=[role.value for role in SECOND_FACTOR_ROLES]).exists()


@transaction.atomic
def second_factor_start(*, user: User):
    """The user's authenticator device, created unconfirmed (with a fresh key) if there is none yet."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def second_factor_confirm(*, request: HttpRequest, device, token: str) -> bool:
    """Confirm a new authenticator with a token from it; the current session counts as verified."""
    import django_otp

    with transaction.atomic():
        if device.confirmed or not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    return True


def second_factor_verify(*, request: HttpRequest, token: str) -> bool:
    """The second step of a sign-in; a wrong token is a failed login on the security log."""
    import django_otp
    from django_otp import match_token

    device = match_token(request.user, token)
    if device is None:
        security_event_record(
            kind=Kind.LOGIN_FAILED,
            request=request,
            user=request.user,
            detail=event_detail(gettext_noop("动态口令错误")),
        )
        return False
    django_otp.login(request, device)
    return True


@transaction.atomic
def second_factor_remove(*, user: User) -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    removed, _unused = TOTPDevice.objects.filter(user=user).delete()
    return removed
