"""The client address comes from one place (security.client_ip), set by TRUSTED_PROXY_COUNT: a client's
own X-Forwarded-For text never changes who it is for the rate limits, the lockout or the logs."""

import pytest
from django.test import RequestFactory

from security.client_ip import client_ip
from security.middleware import AuditlogMiddleware
from security.models import SecurityEvent

SEARCH = "/api/v1/search/resources/"

pytestmark = pytest.mark.django_db


def test_rotating_forwarded_for_does_not_escape_the_anonymous_rate_limit(client, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # make run's default: no proxy in front
    statuses = [
        client.get(SEARCH, HTTP_X_FORWARDED_FOR=f"198.51.{n // 250}.{n % 250 + 1}").status_code for n in range(350)
    ]
    assert statuses[:300] == [200] * 300  # API_THROTTLE_ANON's default, 300/minute
    assert set(statuses[300:]) == {429}
    assert set(SecurityEvent.objects.filter(kind="rate_limited").values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_one_trusted_proxy_the_client_is_the_address_it_saw(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "provider": "2/minute"},
    }
    # what the client wrote itself (left of the proxy's entry) changes nothing
    statuses = [
        client.get(SEARCH, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.5", REMOTE_ADDR="10.0.0.2").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert SecurityEvent.objects.get(kind="rate_limited").ip_address == "203.0.113.5"
    # another client behind the same proxy has its own budget
    assert client.get(SEARCH, HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "192.0.2.1"),
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        (1, "", "192.0.2.1"),
        (1, "not-an-address", "192.0.2.1"),
        (1, "198.51.100.7:5555", "198.51.100.7"),
    ],
)
def test_client_ip_everywhere_agrees(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
    # the audit trail's middleware and the login lockout read the same address
    assert AuditlogMiddleware._get_remote_addr(request) == expected
    from axes.helpers import get_client_ip_address

    assert get_client_ip_address(request, use_ipware=False) == expected
