"""The front door's forms that send an e-mail are rate limited per recipient address and per client address
(``EMAIL_ADDRESS_THROTTLE`` / ``EMAIL_FORM_THROTTLE``): a refused post answers 429 with a Chinese message on the
form, sends nothing, changes nothing, and is on the security log."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Invitation, JoinRequest, OrganizationAdministrator
from organizations.models import User
from security.models import SecurityEvent
from tests.factories import OrganizationFactory

from .test_signup import SIGNUP

pytestmark = pytest.mark.django_db

LIMITED = "发送邮件过于频繁，请在"


@pytest.fixture
def rates(settings):
    def set_rates(*, per_client="100/hour", per_address="100/hour"):
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        limits = {**current, "email_form": per_client, "email_address": per_address}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": limits}

    return set_rates


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _signup(n: int) -> dict:
    return {**SIGNUP, "username": f"newcomer{n}", "email": f"newcomer{n}@example.cn"}


def test_sign_ups_from_one_address_are_limited_and_a_refused_one_creates_and_sends_nothing(rates):
    rates(per_client="2/hour")
    client = _from("10.1.1.1")
    assert client.post("/accounts/signup/", _signup(1)).status_code == 200
    assert client.post("/accounts/signup/", _signup(2)).status_code == 200
    refused = client.post("/accounts/signup/", _signup(3))
    assert refused.status_code == 429
    assert LIMITED in refused.context["form"].errors["email"][0]
    assert not User.objects.filter(username="newcomer3").exists()
    assert [m.to for m in mail.outbox] == [["newcomer1@example.cn"], ["newcomer2@example.cn"]]
    assert SecurityEvent.objects.filter(kind="rate_limited").count() == 1
    # another client is not held back by this one
    assert _from("10.1.1.2").post("/accounts/signup/", _signup(3)).status_code == 200


def test_verification_resends_are_limited_per_address_whoever_asks(rates):
    rates(per_address="2/hour")
    assert _from("10.2.0.1").post("/accounts/signup/", SIGNUP).status_code == 200  # 1st mail to the address
    resend = {"email": SIGNUP["email"]}
    response = _from("10.2.0.2").post("/accounts/verify/resend/", resend)
    assert response.status_code == 200 and len(mail.outbox) == 2
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[1].body).group(1)
    refused = _from("10.2.0.3").post("/accounts/verify/resend/", resend)
    assert refused.status_code == 429 and LIMITED in refused.content.decode()
    assert len(mail.outbox) == 2
    # the link that was re-sent works
    assert _from("10.2.0.4").get(link).status_code == 302
    assert User.objects.get(username="newcomer").is_active


def test_a_resend_for_an_unknown_or_verified_address_reads_the_same_and_sends_nothing(make_user):
    make_user(email="active@example.cn")
    for address in ("nobody@example.cn", "active@example.cn"):
        response = Client().post("/accounts/verify/resend/", {"email": address})
        assert response.status_code == 200 and "如果" in response.content.decode()
    assert not mail.outbox


def test_password_resets_are_limited_per_address(rates, make_user):
    rates(per_address="1/hour")
    make_user(email="reset@example.cn")
    assert _from("10.3.0.1").post("/accounts/password/reset/", {"email": "reset@example.cn"}).status_code == 302
    refused = _from("10.3.0.2").post("/accounts/password/reset/", {"email": "RESET@example.cn"})
    assert refused.status_code == 429 and LIMITED in refused.context["form"].errors["email"][0]
    assert len(mail.outbox) == 1


def test_join_requests_mail_the_administrators_and_are_limited(rates, make_user, django_capture_on_commit_callbacks):
    rates(per_client="1/hour")
    organization = OrganizationFactory()
    admin = make_user("provider", organization=organization, email="admin@example.cn")
    OrganizationAdministrator.objects.create(user=admin, organization=organization)
    first, second = make_user(email="first@example.cn"), make_user(email="second@example.cn")
    client = _from("10.4.0.1")
    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/organization/join/", {"uscc": organization.uscc, "requested_roles": ["provider"]})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["admin@example.cn"]] and "/me/organization/people/" in mail.outbox[0].body
    client.force_login(second)  # the limit is per signed-in user: this one has a budget of its own
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(
                "/me/organization/join/", {"uscc": organization.uscc, "requested_roles": ["provider"]}
            ).status_code
            == 302
        )
    JoinRequest.objects.filter(user=second).delete()
    refused = client.post("/me/organization/join/", {"uscc": organization.uscc, "requested_roles": ["provider"]})
    assert refused.status_code == 429 and LIMITED in refused.content.decode()
    assert not JoinRequest.objects.filter(user=second).exists() and len(mail.outbox) == 2


def test_invitations_are_limited_per_invited_address(rates, make_user):
    rates(per_address="1/hour")
    organization = OrganizationFactory()
    admin = make_user("provider", organization=organization, email="admin@example.cn")
    OrganizationAdministrator.objects.create(user=admin, organization=organization)
    client = Client()
    client.force_login(admin)
    data = {"email": "invitee@example.cn", "roles": ["provider"]}
    client.post("/me/organization/people/invite/", data)
    response = client.post("/me/organization/people/invite/", data, follow=True)
    assert LIMITED in response.content.decode()
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1
