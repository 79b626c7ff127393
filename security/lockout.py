"""Login lockout (django-axes) by account-and-address and by address alone, and its 429 with Retry-After.

``AXES_LOCKOUT_PARAMETERS`` counts failures per (username, address) and per address across usernames.
``LockoutHandler`` applies a limit to each: ``AXES_FAILURE_LIMIT`` (5) for one account from one address,
``AXES_IP_FAILURE_LIMIT`` (20) for one address whatever usernames it tries (password spraying), higher so
that an office behind one address is not locked out by a few typos. ``lockout_response`` is the 429 page
with ``Retry-After``: the seconds until the last counted failure is older than the cool-off time.
"""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

ACCOUNT, ADDRESS = 0, 1  # positions in AXES_LOCKOUT_PARAMETERS


def _attempts(request, credentials) -> list:
    """The recent attempts per lockout parameter (axes' own query, cool-off applied)."""
    return AxesDatabaseHandler().get_user_attempts(request, credentials)


def _failures(request, credentials) -> tuple[int, int]:
    counts = [
        attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        for attempts in _attempts(request, credentials)
    ]
    return counts[ACCOUNT], counts[ADDRESS] if len(counts) > ADDRESS else 0


def address_locked(request, credentials) -> bool:
    return _failures(request, credentials)[1] >= settings.AXES_IP_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a second, higher limit for one address across usernames."""

    def get_failures(self, request, credentials=None) -> int:
        account, address = _failures(request, credentials)
        if address >= settings.AXES_IP_FAILURE_LIMIT:
            return max(account, get_failure_limit(request, credentials))
        return account


def retry_after_seconds(request, credentials) -> int:
    cool_off = get_cool_off(request)
    if not cool_off:
        return 0
    latest = None
    for attempts in _attempts(request, credentials):
        moment = attempts.aggregate(latest=Max("attempt_time"))["latest"]
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    if latest is None:
        return math.ceil(cool_off.total_seconds())
    return max(math.ceil((latest + cool_off - timezone.now()).total_seconds()), 1)


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page (``AXES_LOCKOUT_TEMPLATE``, status ``AXES_HTTP_RESPONSE_CODE``) with Retry-After."""
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "ip_failure_limit": settings.AXES_IP_FAILURE_LIMIT,
        "by_address": address_locked(request, credentials),
        "cooloff_timedelta": get_cool_off(request),
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    seconds = retry_after_seconds(request, credentials)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
