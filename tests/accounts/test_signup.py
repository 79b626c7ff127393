"""Sign-up with email verification, strong passwords, and the password reset flow."""

import re

import pytest
from django.core import mail

from organizations.models import User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newcomer",
    "full_name": "新用户",
    "email": "newcomer@example.cn",
    "phone": "028-12345678",
    "password1": "Tianfu-Compute-2026!",
    "password2": "Tianfu-Compute-2026!",
}


def _link(message) -> str:
    return re.search(r"https?://[^/]+(/\S+)", message.body).group(1)


def test_signup_creates_an_inactive_account_and_mails_a_link_that_activates_it(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 200
    user = User.objects.get(username="newcomer")
    assert not user.is_active
    assert user.organization is None and not user.groups.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newcomer@example.cn"]
    # not yet verified: the login is refused
    assert not client.login(username="newcomer", password=SIGNUP["password1"])

    response = client.get(_link(mail.outbox[0]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    user.refresh_from_db()
    assert user.is_active
    assert client.login(username="newcomer", password=SIGNUP["password1"])
    # the link works once
    assert client.get(_link(mail.outbox[0])).status_code == 400


def test_a_tampered_verification_link_activates_nothing(client):
    client.post("/accounts/signup/", SIGNUP)
    link = _link(mail.outbox[0])
    assert client.get(link[:-3] + "xyz/").status_code == 400
    assert client.get("/accounts/verify/bm9wZQ/abc-def/").status_code == 400
    assert not User.objects.get(username="newcomer").is_active


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short1!", "密码长度太短"),
        ("12345678901234", "只包含数字"),
        ("password1234", "太常见"),
        ("tianfucompute", "至少 3 类"),
    ],
)
def test_weak_passwords_are_refused_with_a_field_error(client, password, fragment):
    response = client.post("/accounts/signup/", {**SIGNUP, "password1": password, "password2": password})
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists() and not mail.outbox


def test_an_email_already_registered_is_refused(client, make_user):
    make_user(email="newcomer@example.cn")
    response = client.post("/accounts/signup/", {**SIGNUP, "email": "NEWCOMER@example.cn"})
    assert "该电子邮箱已注册" in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_the_signup_page_is_complete_in_english(client):
    body = client.get("/en/accounts/signup/").content.decode()
    assert "Sign up" in body and "注册账号" not in body


def test_password_reset_sets_a_new_password_through_the_mailed_link(client, make_user):
    user = make_user(email="reset@example.cn")
    response = client.post("/accounts/password/reset/", {"email": "reset@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])
    response = client.get(link)  # Django swaps the token for a session marker
    assert response.status_code == 302
    new = "Brand-New-Secret-77"
    response = client.post(response["Location"], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert response.status_code == 302 and not mail.outbox


def test_required_fields_are_marked_and_the_mark_is_explained(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/accounts/signup/").content, "html.parser")
    marked = {tag.find("input")["name"] for tag in page.select(".is-required") if tag.find("input")}
    assert {"username", "email", "password1", "password2"} <= marked
    assert "带 * 的为必填项" in page.get_text()
