"""Security middleware (system F): headers, the second factor, and denied access on the security log.

Security headers: Content-Security-Policy (django-csp) with a per-path policy, and Permissions-Policy.

Project pages get the strict policy from ``CONTENT_SECURITY_POLICY`` with a fresh nonce on every
HTML response. Screens rendered by third-party templates get their own policy by path prefix:

- ``CSP_ADMIN_PREFIXES`` (Wagtail admin): ``CSP_ADMIN_DIRECTIVES``, which allows its inline scripts;
- ``CSP_HASHED_PREFIXES`` (Swagger UI, ReDoc): the strict policy plus the sha256 hashes of exactly
  the inline ``<script>``/``<style>`` blocks the page carries, so nothing else inline can run;
- ``CSP_INLINE_STYLE_PREFIXES`` (Django admin; ReDoc, which injects style elements at run time):
  inline styles allowed, scripts as strict as above.
"""

import base64
import hashlib
import re

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from csp.constants import SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

from .client_ip import client_ip

INLINE_BLOCK = re.compile(rb"<(script|style)(\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def inline_hashes(content: bytes) -> dict[str, list[str]]:
    """sha256 source expressions of the inline script and style blocks in an HTML document."""
    found: dict[str, list[str]] = {"script-src": [], "style-src": []}
    for tag, attrs, body in INLINE_BLOCK.findall(content):
        if tag.lower() == b"script" and attrs and re.search(rb"\bsrc\s*=", attrs):
            continue
        if not body.strip():
            continue
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
        found["script-src" if tag.lower() == b"script" else "style-src"].append(f"'sha256-{digest}'")
    return found


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class SecurityHeadersMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if _is_html(response):
            # Every page carries a nonce, so a template may use {{ request.csp_nonce }} on any page.
            str(request.csp_nonce)
        response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        path = request.path_info
        if path.startswith(tuple(getattr(settings, "CSP_ADMIN_PREFIXES", ()))):
            parts.config = dict(settings.CSP_ADMIN_DIRECTIVES)
            parts.nonce = None
            return parts
        inline_styles = path.startswith(tuple(getattr(settings, "CSP_INLINE_STYLE_PREFIXES", ())))
        if (
            path.startswith(tuple(getattr(settings, "CSP_HASHED_PREFIXES", ())))
            and _is_html(response)
            and not getattr(response, "streaming", False)
        ):
            hashes = inline_hashes(response.content)
            if inline_styles:
                hashes.pop("style-src")  # a hash would switch 'unsafe-inline' off again
            update = {key: value for key, value in hashes.items() if value}
            update["worker-src"] = [SELF, "blob:"]
            parts.update = {**(parts.update or {}), **update}
        if inline_styles:
            parts.replace = {**(parts.replace or {}), "style-src": [SELF, "'unsafe-inline'"]}
        return parts


class SecondFactorMiddleware:
    """A user with a confirmed authenticator must pass the second step before anything else.

    Installed after django_otp's OTPMiddleware. Pages redirect to the verification page; API calls
    answer 403. Signing out, the verification page itself and static files stay reachable.
    """

    OPEN_SUFFIXES = ("/security/otp/verify/", "/accounts/logout/", "/i18n/setlang/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified() and self._has_device(user):
            path = request.path_info
            if not (path.endswith(self.OPEN_SUFFIXES) or path.startswith((settings.STATIC_URL, "/healthz"))):
                if path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse(
                        {"detail": "需要动态口令验证。Second-factor verification required.", "code": "otp_required"},
                        status=403,
                    )
                from django.shortcuts import redirect
                from django.urls import reverse
                from django.utils.http import urlencode

                return redirect(f"{reverse('security:otp-verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _has_device(user) -> bool:
        from django_otp import user_has_device

        return user_has_device(user, confirmed=True)


# Where Django's user_passes_test wrapper (behind login_required and permission_required) is defined.
AUTH_DECORATORS = ("django/contrib/auth/decorators.py", "django\\contrib\\auth\\decorators.py")


def _requires_a_user(match) -> bool:
    """Whether the resolved view is closed to anonymous visitors: a DRF view without ``AllowAny``,
    a class-based view with one of Django's access mixins, or a function behind Django's auth
    decorators (``login_required``, ``permission_required``, ``user_passes_test``)."""
    from django.contrib.auth.mixins import AccessMixin
    from rest_framework.permissions import AllowAny
    from rest_framework.views import APIView

    view_class = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    if view_class is not None and issubclass(view_class, APIView):
        return not any(issubclass(permission, AllowAny) for permission in view_class.permission_classes)
    if view_class is not None and issubclass(view_class, AccessMixin):
        return True
    func, seen = match.func, 0
    while func is not None and seen < 20:  # the decorators' chain of functools.wraps
        code = getattr(func, "__code__", None)
        if code is not None and code.co_filename.endswith(AUTH_DECORATORS):
            return True
        func, seen = getattr(func, "__wrapped__", None), seen + 1
    return False


class AccessDeniedMiddleware:
    """An authenticated user answered 404 by a view closed to anonymous visitors is on the security log.

    Outside a user's jurisdiction or provider the node answers "not found" rather than "forbidden"
    (nothing is said about what exists), so such a 404 is how a denied object access shows: one
    ``access_denied`` event (user, address, path, view). A 404 from a public page (catalogue,
    Wagtail pages, open API endpoints) or for a URL that matches no view is a plain miss.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404:
            user, match = getattr(request, "user", None), getattr(request, "resolver_match", None)
            if user is not None and user.is_authenticated and match is not None and _requires_a_user(match):
                from django.utils.translation import gettext_noop

                from .services import event_detail, security_event_record

                view = match.view_name or match.route
                detail = event_detail(gettext_noop("对象不存在或不在权限范围内：%(view)s"), view=view)
                security_event_record(kind="access_denied", request=request, detail=detail)
        return response


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware with the client address from ``security.client_ip`` (auditlog's own
    reads the first, client-written entry of ``X-Forwarded-For``)."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)
