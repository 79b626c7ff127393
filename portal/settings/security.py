"""Security settings (system F), kept apart from base.py, which imports them (this module imports nothing
of base.py: the API's security keys are ``REST_FRAMEWORK_SECURITY``, merged into ``REST_FRAMEWORK`` there).

Environment switches (all optional):

- ``AXES_FAILURE_LIMIT`` (5) per account and address, ``AXES_IP_FAILURE_LIMIT`` (20) per address across
  usernames, ``AXES_COOLOFF_MINUTES`` (30): login lockout.
- ``TRUSTED_PROXY_COUNT`` (0): number of our own reverse proxies in front of the node. The one setting
  for the client address (``security.client_ip``): rate limits, login lockout, audit trail and
  security log all read it from there. (``AXES_IPWARE_PROXY_COUNT`` is still read as a fallback.)
- ``API_THROTTLE_ANON`` / ``API_THROTTLE_USER`` / ``API_THROTTLE_PROVIDER``: DRF rates (``N/second|minute|hour|day``).
- ``PUBLIC_FORM_THROTTLE``: posts of public forms (公示异议) per client address, same format (default 5/hour).
- ``EMAIL_FORM_THROTTLE`` / ``EMAIL_ADDRESS_THROTTLE``: forms that send an e-mail (sign-up, verification re-send,
  password reset, join request, invitation), per client address (or signed-in user; default 10/hour) and per
  recipient address (default 3/hour). A refused post sends nothing and says when to retry.
- ``SECURITY_ALERT_EMAILS``: extra addresses that receive security alerts (operators always do).
"""

from datetime import timedelta

import environ
from csp.constants import NONCE, NONE, SELF

_env = environ.Env()

# --- Login protection (django-axes) ----------------------------------------------------------
# Every login path (/accounts/login/, /cms/login/, /django-admin/login/) authenticates through
# Django's AuthenticationForm, which passes the request to authenticate(); AxesStandaloneBackend
# (first in AUTHENTICATION_BACKENDS) refuses locked-out attempts and AxesMiddleware answers 429.
AXES_ENABLED = _env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = _env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=_env.int("AXES_COOLOFF_MINUTES", default=30))
# Lock the account as used from that address (an attacker elsewhere cannot lock a reviewer out), and
# the address itself after AXES_IP_FAILURE_LIMIT failures across usernames (password spraying); the
# two limits are applied by security.lockout.LockoutHandler, and the 429 says when to retry.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_IP_FAILURE_LIMIT = _env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_HANDLER = "security.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "security/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client address comes from one place (security/client_ip.py), configured by the number of
# trusted proxies; axes, DRF's throttles and the audit trail all agree on it.
TRUSTED_PROXY_COUNT = _env.int("TRUSTED_PROXY_COUNT", default=_env.int("AXES_IPWARE_PROXY_COUNT", default=0))
AXES_CLIENT_IP_CALLABLE = "security.client_ip.client_ip"
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
AXES_VERBOSE = False

# Optional TOTP second factor (django-otp) for reviewers and operators: /security/otp/.
OTP_TOTP_ISSUER = _env.str("NODE_NAME", default="算力互联互通节点平台")
OTP_TOTP_THROTTLE_FACTOR = 1

# --- Sessions -----------------------------------------------------------------------------------
# SESSION_COOKIE_AGE (one working day) and HttpOnly/SameSite are set in base.py; the session ends
# with the browser, and the session key is rotated on login (Django's default).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Added by security.middleware.SecurityHeadersMiddleware (Django has no setting for it).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Content-Security-Policy (django-csp 4). Pages carry a fresh nonce; a project template that
# needs a script uses <script src=... nonce="{{ request.csp_nonce }}">; inline scripts are not
# allowed in project templates (tests/security/test_headers.py checks that).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
# Third-party screens we do not template ourselves get their own policy, by path prefix
# (security.middleware): Wagtail's admin still carries inline scripts and style attributes;
# Django's admin and ReDoc need inline styles only; the API docs (Swagger UI, ReDoc) get the
# hashes of exactly the inline scripts they render.
CSP_ADMIN_PREFIXES = ("/cms/",)
CSP_ADMIN_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, "'unsafe-inline'"],
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "frame-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
}
# No third-party requests from the admin either (privacy, and img-src is 'self'): no Gravatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
CSP_INLINE_STYLE_PREFIXES = ("/django-admin/", "/api/redoc/")
CSP_HASHED_PREFIXES = ("/api/docs/", "/api/redoc/")

# --- API rate limits (DRF throttling) ----------------------------------------------------------
# Anonymous callers by IP, signed-in callers by user, and the provider API (views with
# throttle_scope = "provider") on its own budget. A refused call answers 429 with Retry-After and
# a bilingual message, and is recorded as a security event (security.api.exception_handler).
REST_FRAMEWORK_SECURITY = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # security.throttles asks security.client_ip anyway
    "DEFAULT_THROTTLE_CLASSES": [
        "security.throttles.AnonThrottle",
        "security.throttles.UserThrottle",
        "security.throttles.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _env.str("API_THROTTLE_ANON", default="300/minute"),
        "user": _env.str("API_THROTTLE_USER", default="1200/minute"),
        "provider": _env.str("API_THROTTLE_PROVIDER", default="6000/minute"),
        # public forms that anyone may post (公示异议): per client address, or per user when signed in
        "public_form": _env.str("PUBLIC_FORM_THROTTLE", default="5/hour"),
        # forms that send an e-mail (accounts.throttles): per client address / user, and per recipient address
        "email_form": _env.str("EMAIL_FORM_THROTTLE", default="10/hour"),
        "email_address": _env.str("EMAIL_ADDRESS_THROTTLE", default="3/hour"),
    },
    "EXCEPTION_HANDLER": "security.api.exception_handler",
}

# --- Security events and alerts ---------------------------------------------------------------
# kind: (events, window in minutes). Passing the threshold mails the node operators once per window.
SECURITY_ALERT_THRESHOLDS = {
    "login_failed": (20, 10),
    "lockout": (3, 15),
    "access_denied": (20, 10),
    "api_key_misuse": (10, 10),
    "rate_limited": (50, 10),
}
SECURITY_ALERT_EMAILS = _env.list("SECURITY_ALERT_EMAILS", default=[])

# --- Vulnerability scans -----------------------------------------------------------------------
# `manage.py security_scan` runs pip-audit on the installed packages (vulnerability data from
# PyPI, or OSV) and bandit over the project's own code. A node behind an egress proxy sets
# SECURITY_SCAN_PROXY; when the vulnerability database cannot be reached the scan is stored as
# incomplete with the reason, never as clean.
SECURITY_SCAN_VULNERABILITY_SERVICE = _env.str("SECURITY_SCAN_VULNERABILITY_SERVICE", default="pypi")
SECURITY_SCAN_PROXY = _env.str("SECURITY_SCAN_PROXY", default="")
SECURITY_SCAN_REQUEST_TIMEOUT = _env.int("SECURITY_SCAN_REQUEST_TIMEOUT", default=15)
SECURITY_SCAN_TIMEOUT = _env.int("SECURITY_SCAN_TIMEOUT", default=1800)
SECURITY_SCAN_CODE_PATHS = [
    "organizations",
    "portal",
    "catalog",
    "workflows",
    "search",
    "monitoring",
    "security",
    "federation",
    "changes",
    "frontend",
]
