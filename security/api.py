"""API-wide exception handling: a bilingual 429 with Retry-After, and refused calls on the security log."""

import math

from django.utils.translation import gettext_noop
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .models import SecurityEvent
from .services import event_detail


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        message = "请求过于频繁，请稍后再试。Too many requests, please retry later."
        if wait is not None:
            message = f"请求过于频繁，请在 {wait} 秒后重试。Too many requests, please retry in {wait} seconds."
        exc = exceptions.Throttled(wait=exc.wait, detail=message)
        _record(
            SecurityEvent.Kind.RATE_LIMITED,
            request,
            context,
            event_detail(gettext_noop("频率限制：%(view)s"), **_view(context)),
        )
    elif isinstance(exc, exceptions.AuthenticationFailed):
        _record(SecurityEvent.Kind.API_KEY_MISUSE, request, context, str(exc.detail))
    elif isinstance(exc, exceptions.PermissionDenied) and request is not None and request.user.is_authenticated:
        _record(
            SecurityEvent.Kind.ACCESS_DENIED,
            request,
            context,
            event_detail(gettext_noop("接口拒绝访问：%(view)s"), **_view(context)),
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.Throttled):
        response.data = {"detail": exc.detail, "code": "throttled", "retry_after": wait}
    return response


def _view(context) -> dict:
    view = context.get("view")
    scope = getattr(view, "throttle_scope", None)
    name = view.__class__.__name__ if view is not None else "?"
    return {"view": f"{name} ({scope})" if scope else name}


def _record(kind, request, context, detail: str) -> None:
    from .services import security_event_record

    security_event_record(kind=kind, request=request, detail=detail)
