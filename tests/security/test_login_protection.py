"""Login lockout (django-axes) on every login path, unlock by time and by an operator."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from security.models import SecurityEvent
from tests.factories import UserFactory

PASSWORD = "Correct-horse-42"
LOGIN_PATHS = ["/accounts/login/", "/cms/login/", "/django-admin/login/"]


@pytest.fixture
def admin_user(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


def attempt(client: Client, path: str, password: str, **extra):
    return client.post(path, {"username": "chief", "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def lock_out(client: Client, path: str):
    responses = [attempt(client, path, "wrong-password") for _ in range(settings.AXES_FAILURE_LIMIT)]
    return responses


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_repeated_failures_lock_the_login_and_the_right_password_is_refused(client, admin_user, path):
    responses = lock_out(client, path)
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429
    response = attempt(client, path, PASSWORD)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert "锁定将在 30 分钟后自动解除" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="chief").failures_since_start >= settings.AXES_FAILURE_LIMIT
    # the failures and the lockout are on the security log, with address and path
    assert SecurityEvent.objects.filter(kind="lockout", username="chief", ip_address="127.0.0.1").exists()
    failed = SecurityEvent.objects.filter(kind="login_failed", username="chief")
    assert failed.count() >= settings.AXES_FAILURE_LIMIT
    assert set(failed.values_list("path", flat=True)) == {path}


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_lockout_ends_after_the_cool_off_time(client, admin_user, path):
    lock_out(client, path)
    assert attempt(client, path, PASSWORD).status_code == 429
    # the last failure is now older than the cool-off time
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    response = attempt(client, path, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_an_operator_unlocks_from_the_security_page(client, admin_user, operator, path):
    lock_out(client, path)
    ops = Client()
    ops.force_login(operator)
    page = ops.get("/security/")
    assert page.status_code == 200
    assert "chief" in page.content.decode()
    response = ops.post("/security/unlock/", {"username": "chief", "ip_address": "127.0.0.1"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="chief").exists()
    unlock = SecurityEvent.objects.get(kind="unlock")
    assert unlock.user == operator and unlock.username == "chief"
    response = attempt(client, path, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_an_operator_unlocks_with_the_admin_action(client, admin_user):
    lock_out(client, "/accounts/login/")
    ops = Client()
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    ops.force_login(superuser)
    pks = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = ops.post(
        "/django-admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": pks}, follow=True
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert SecurityEvent.objects.filter(kind="unlock", user=superuser).exists()
    assert attempt(client, "/accounts/login/", PASSWORD).status_code == 302


def test_the_lock_is_per_account_and_address(client, admin_user):
    lock_out(client, "/accounts/login/")
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert attempt(elsewhere, "/accounts/login/", PASSWORD).status_code == 302


def test_unlock_is_refused_to_everyone_but_operators(client, admin_user, make_user):
    lock_out(client, "/accounts/login/")
    for role in ("applicant", "provincial_reviewer", "editor"):
        other = Client()
        other.force_login(make_user(role))
        assert other.post("/security/unlock/", {"username": "chief", "ip_address": "127.0.0.1"}).status_code == 404
    anonymous = Client()
    assert anonymous.post("/security/unlock/", {"username": "chief"}).status_code == 404
    assert AccessAttempt.objects.filter(username="chief").exists()
    assert not SecurityEvent.objects.filter(kind="unlock").exists()


def test_unlock_needs_a_username_or_address(operator_client):
    response = operator_client.post("/security/unlock/", {"username": "", "ip_address": ""}, follow=True)
    assert "请填写用户名或 IP 地址" in response.content.decode()
    assert not SecurityEvent.objects.filter(kind="unlock").exists()
    response = operator_client.post("/security/unlock/", {"ip_address": "not-an-ip"}, follow=True)
    assert not SecurityEvent.objects.filter(kind="unlock").exists()


def test_password_validation_is_strong():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1!", "1234567890123", "password123", "chief-chief-chief"):
        with pytest.raises(ValidationError):
            validate_password(weak, user=UserFactory.build(username="chief-chief-chief"))
    validate_password("Node-demo-2026!")


def test_session_settings():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
