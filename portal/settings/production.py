"""Production: every secret and host comes from the environment; refuses to start without them."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")
    return value


SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
ORDER_ACCESS_KEYS = [key.strip() for key in _required("ORDER_ACCESS_KEYS").split(",") if key.strip()]
FEDERATION_SEALING_KEYS = [key.strip() for key in _required("FEDERATION_SEALING_KEYS").split(",") if key.strip()]

# Hashed, compressed static files with a strict manifest; CSS of installed packages may point at
# files the package does not ship (viewflow's roboto-fontface.css): those references are left as
# written and logged, ours still fail collectstatic (portal/staticfiles.py).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "portal.staticfiles.NodeStaticFilesStorage"},
}

# Transport security. TLS is terminated in front of the node (nginx / a load balancer) which sets
# X-Forwarded-Proto; SECURE_SSL_REDIRECT can be turned off only when that proxy redirects itself.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Wagtail's page preview frames the site inside its own admin, so framing is allowed for the same
# origin only (still refused to every other site); the deploy check's advice to use DENY would
# break editors' preview. Deliberately silenced:
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# Demo accounts have published passwords.
ALLOW_DEMO_DATA = False
