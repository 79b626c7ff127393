"""Optional TOTP second factor (django-otp) for reviewers and operators."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import SecurityEvent

PASSWORD = "Correct-horse-42"


@pytest.fixture(autouse=True)
def no_otp_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def token_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def test_an_operator_enables_an_authenticator(operator_client, operator):
    page = operator_client.get("/security/otp/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=operator)
    assert not device.confirmed
    assert "otpauth://totp/" in page.content.decode()

    response = operator_client.post("/security/otp/", {"token": "12345"})
    assert "6 位数字" in response.content.decode()
    wrong = f"{(int(token_for(device)) + 1) % 1_000_000:06d}"
    response = operator_client.post("/security/otp/", {"token": wrong})
    assert "口令不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    assert operator_client.post("/security/otp/", {"token": token_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # the session that confirmed it counts as verified
    assert operator_client.get("/security/").status_code == 200


def test_signing_in_with_an_authenticator_needs_the_second_step(client, make_user):
    reviewer = make_user("provincial_reviewer", username="reviewer")
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    response = client.post("/accounts/login/", {"username": "reviewer", "password": PASSWORD})
    assert response.status_code == 302

    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/security/otp/verify/?next=%2Fme%2F")
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/cms/").status_code == 302

    response = client.post("/security/otp/verify/", {"token": "000000", "next": "/me/"})
    assert response.status_code == 200 and "口令不正确" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="login_failed", user=reviewer).exists()
    assert client.get("/me/").status_code == 302

    response = client.post("/security/otp/verify/", {"token": token_for(device), "next": "/me/"})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_verify_ignores_an_offsite_next(client, make_user):
    reviewer = make_user("municipal_reviewer", username="muni")
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    client.post("/accounts/login/", {"username": "muni", "password": PASSWORD})
    response = client.post("/security/otp/verify/", {"token": token_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")


def test_users_without_an_authenticator_are_not_asked(client, make_user):
    make_user("applicant", username="applicant1")
    client.post("/accounts/login/", {"username": "applicant1", "password": PASSWORD})
    assert client.get("/me/").status_code == 200


def test_only_reviewers_and_operators_may_enrol(make_user):
    for role in ("applicant", "provider", "editor"):
        client = Client()
        client.force_login(make_user(role))
        assert client.get("/security/otp/").status_code == 404
    assert not TOTPDevice.objects.exists()
    assert Client().get("/security/otp/").status_code == 404


def test_an_operator_removes_the_authenticator(operator_client, operator):
    operator_client.get("/security/otp/")
    device = TOTPDevice.objects.get(user=operator)
    operator_client.post("/security/otp/", {"token": token_for(device)})
    assert operator_client.post("/security/otp/", {"remove": "1"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=operator).exists()
