"""API rate limits. Rates are read from settings at call time, so a test or an operator's
override of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] takes effect without a restart."""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from .client_ip import client_ip


class _CurrentRates:
    @property
    def THROTTLE_RATES(self):
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request):
        """The client address from the one place that reads it (``TRUSTED_PROXY_COUNT``), never the
        client's own ``X-Forwarded-For`` text."""
        return client_ip(request) or "unknown"


class _UnlessScoped:
    """A view with its own ``throttle_scope`` (the provider API) is limited by that budget alone."""

    def allow_request(self, request, view):
        if getattr(view, "throttle_scope", None):
            return True
        return super().allow_request(request, view)


class _UnlessNode:
    """A request authenticated as an enrolled node (its signature verified, ``request.auth`` is a
    federation ``Peer``: node-to-node resolution) is neither anonymous nor a user: not limited here."""

    def allow_request(self, request, view):
        if getattr(request.auth, "is_node", False) is True:  # federation's Peer, its signature verified
            return True
        return super().allow_request(request, view)


class AnonThrottle(_UnlessNode, _UnlessScoped, _CurrentRates, AnonRateThrottle):
    """Anonymous callers, by client address."""


class UserThrottle(_UnlessNode, _UnlessScoped, _CurrentRates, UserRateThrottle):
    """Signed-in callers, by user. Anonymous callers are AnonThrottle's alone: DRF's user throttle
    would also count them by address at the user rate (a second, looser anonymous limit that
    `make bench-load` met as unexplained 429s once the anonymous rate was raised)."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # not limited here
        return super().get_cache_key(request, view)


class ScopedThrottle(_CurrentRates, ScopedRateThrottle):
    """Views that declare ``throttle_scope`` (the provider API: ``"provider"``) get their own budget."""


class _FormScope:
    def __init__(self, scope: str, address: str = ""):
        self.throttle_scope = scope
        self.address = address


class AddressThrottle(ScopedThrottle):
    """A ``throttle_scope`` budget per recipient e-mail address (whoever posts, from wherever): the address is
    kept in the cache key only as a digest."""

    def get_cache_key(self, request, view):
        digest = hashlib.sha256(view.address.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def _refused(request, throttle, *, label: str) -> float:
    from django.utils.translation import gettext_noop

    from .models import SecurityEvent
    from .services import event_detail, security_event_record

    security_event_record(
        kind=SecurityEvent.Kind.RATE_LIMITED,
        request=request,
        detail=event_detail(gettext_noop("频率限制：%(view)s"), view=label),
    )
    return throttle.wait() or 60.0


def form_post_wait(request, *, scope: str) -> float | None:
    """Rate limit for a page's form that anyone may post (not an API view): counts this post against the
    ``scope`` rate of ``DEFAULT_THROTTLE_RATES`` by client address (by user when signed in). ``None`` when
    allowed; else the seconds to wait, and the refusal is on the security log like an API's 429."""
    throttle = ScopedThrottle()
    if throttle.allow_request(request, _FormScope(scope)):
        return None
    return _refused(request, throttle, label=f"form ({scope})")


def address_post_wait(request, *, scope: str, address: str) -> float | None:
    """As ``form_post_wait``, counted per e-mail ``address`` (the mails one address receives, from any client)."""
    throttle = AddressThrottle()
    if throttle.allow_request(request, _FormScope(scope, address)):
        return None
    return _refused(request, throttle, label=f"form ({scope}, per address)")
