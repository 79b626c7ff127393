"""The client's address: the one place every part of the node reads it from.

``TRUSTED_PROXY_COUNT`` (environment, default 0) says how many reverse proxies of our own stand in
front of the node. With 0 the address is the peer of the connection (``REMOTE_ADDR``) and any
``X-Forwarded-For`` header is the client's own text, ignored. With N the client is the address the
outermost of our proxies saw: the N-th entry from the right of ``X-Forwarded-For`` (each proxy
appends the address it received the request from; what is left of those entries came from the
client and is never believed).

Used by the API rate limits (``security.throttles``), the login lockout
(``AXES_CLIENT_IP_CALLABLE``), the audit trail (``security.middleware.AuditlogMiddleware``) and the
security log (``security.services``): every reader is part of system F, so it lives here; another
app that needs the address asks this function too.
"""

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    return max(int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0), 0)


def client_ip(request) -> str | None:
    """The client address of a Django (or DRF) request, as configured by ``TRUSTED_PROXY_COUNT``."""
    meta = getattr(request, "META", None) or {}
    remote = _address(meta.get("REMOTE_ADDR", "") or "")
    proxies = trusted_proxy_count()
    if not proxies:
        return remote
    forwarded = [part for part in (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if part.strip()]
    if not forwarded:
        return remote  # reached us without our proxy (e.g. a health check on loopback)
    return _address(forwarded[-min(proxies, len(forwarded))]) or remote
