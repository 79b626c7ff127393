"""Rate limits on the public and provider APIs: 429 with Retry-After and a bilingual message."""

import pytest
from django.test import Client

from security.models import SecurityEvent

PUBLIC = "/api/v1/divisions/?level=province"

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "provider": "2/minute"},
    }


def test_anonymous_callers_are_limited_by_address(client, low_rates):
    assert [client.get(PUBLIC).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(PUBLIC)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert "请求过于频繁" in body["detail"] and "Too many requests" in body["detail"]
    assert body["retry_after"] == int(response["Retry-After"])
    event = SecurityEvent.objects.get(kind="rate_limited")
    assert (event.ip_address, event.path, event.user) == ("127.0.0.1", PUBLIC, None)
    # another address still has its own budget
    assert Client(REMOTE_ADDR="192.0.2.50").get(PUBLIC).status_code == 200


def test_signed_in_callers_are_limited_by_user(client, make_user, low_rates):
    user = make_user("applicant")
    client.force_login(user)
    assert {client.get(PUBLIC).status_code for _ in range(5)} == {200}
    assert client.get(PUBLIC).status_code == 429
    assert SecurityEvent.objects.get(kind="rate_limited").user == user
    other = Client()
    other.force_login(make_user("applicant"))
    assert other.get(PUBLIC).status_code == 200


def test_anonymous_callers_are_not_also_counted_at_the_user_rate(client, settings):
    """Only the anonymous rate applies to anonymous callers: DRF's user throttle also counted them by
    address at the user rate (raising the anonymous rate, as bench-load does, still gave 429s)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/minute", "user": "2/minute", "provider": "2/minute"},
    }
    assert {client.get(PUBLIC).status_code for _ in range(6)} == {200}


@pytest.mark.urls("tests.security.throttle_urls")
def test_provider_api_has_its_own_scope(client, settings):
    # the provider budget (4) replaces the anonymous one (2) on the provider API
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "2/minute", "provider": "4/minute"},
    }
    assert [client.get("/api/v1/provider/ping/").status_code for _ in range(4)] == [200] * 4
    response = client.get("/api/v1/provider/ping/")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "ScopedThrottle" not in response.json()["detail"]
    assert "(provider)" in SecurityEvent.objects.get(kind="rate_limited").detail


def test_default_rates_leave_ordinary_use_alone(client):
    assert {client.get(PUBLIC).status_code for _ in range(20)} == {200}
    assert not SecurityEvent.objects.filter(kind="rate_limited").exists()


@pytest.mark.urls("tests.security.throttle_urls")
def test_rejected_credentials_and_denied_calls_are_recorded(client, make_user):
    assert client.get("/api/v1/me/").status_code == 403  # anonymous, no credentials: nothing to record
    assert not SecurityEvent.objects.exists()

    response = client.get("/api/v1/provider/key-only/", HTTP_AUTHORIZATION="Basic bm9ib2R5Om5vdGhpbmc=")
    assert response.status_code in (401, 403)
    misuse = SecurityEvent.objects.get(kind="api_key_misuse")
    assert misuse.path == "/api/v1/provider/key-only/"

    user = make_user("provider")
    client.force_login(user)
    assert client.get("/api/v1/provider/forbidden/").status_code == 403
    denied = SecurityEvent.objects.get(kind="access_denied")
    assert denied.user == user and "Forbidden" in denied.detail
