"""Password spraying (one address, one password, many usernames) is locked out by address, and every
lockout 429 says when to retry."""

import pytest
from django.conf import settings
from django.test import Client

from security.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-42"


def test_one_address_trying_many_usernames_is_locked_out(client):
    UserFactory(username="chief", is_staff=True)
    statuses = [
        client.post("/accounts/login/", {"username": f"user{n}", "password": "Spring2026!"}).status_code
        for n in range(settings.AXES_IP_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_IP_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    # the next username, and even the right password of a real account, are refused from that address
    response = client.post("/accounts/login/", {"username": "chief", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "此地址登录失败已达" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    assert SecurityEvent.objects.filter(kind="lockout", ip_address="127.0.0.1").exists()
    # another address is not affected
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert elsewhere.post("/accounts/login/", {"username": "chief", "password": PASSWORD}).status_code == 302


def test_a_few_failures_across_accounts_lock_nobody_out(client):
    UserFactory(username="chief")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": f"user{n}", "password": "typo"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "chief", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/", "/cms/login/", "/django-admin/login/"])
def test_the_account_lockout_says_when_to_retry(client, path):
    UserFactory(username="chief", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = client.post(path, {"username": "chief", "password": "wrong"})
    assert last.status_code == 429
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert cool_off - 5 <= int(last["Retry-After"]) <= cool_off
    again = client.post(path, {"username": "chief", "password": PASSWORD})
    assert again.status_code == 429 and 1 <= int(again["Retry-After"]) <= cool_off
    assert "锁定将在 30 分钟后自动解除" in again.content.decode()
