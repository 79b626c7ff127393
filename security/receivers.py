"""Failed logins and lockouts reach the security log through Django's and django-axes' signals
(the only way to hear about them: they happen inside django.contrib.auth and axes)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from .models import SecurityEvent


@receiver(user_login_failed, dispatch_uid="security.login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    from .services import event_detail, security_event_record

    username = str(credentials.get("username", "") or "")
    detail = event_detail(gettext_noop("被锁定期间的登录尝试")) if getattr(request, "axes_locked_out", False) else ""
    security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, request=request, username=username, detail=detail)


@receiver(user_locked_out, dispatch_uid="security.locked_out")
def record_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    from .services import event_detail, security_event_record

    security_event_record(
        kind=SecurityEvent.Kind.LOCKOUT,
        request=request,
        username=str(username or ""),
        detail=event_detail(gettext_noop("连续登录失败，已锁定")),
    )


def node_request_refused(*, request, detail: str) -> None:
    """A refused node-to-node request (bad signature, replay, revoked credential, outside its prefix):
    registered with federation at ready(), which tells it ``detail`` (``node=<prefix> HTTP <status>: …``)."""
    from .services import security_event_record

    security_event_record(kind=SecurityEvent.Kind.ACCESS_DENIED, request=request, detail=detail)
