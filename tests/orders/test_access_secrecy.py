"""The access hand-off is sealed at rest and shown only to the buyer's authorised people: a marker
credential is planted, then searched for in every page, export, API response, audit entry and log line
the others can reach."""

import logging

import pytest
from auditlog.models import LogEntry
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission

from catalog.services.api_keys import api_key_create
from orders import access
from orders.models import OrderAccess
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MARKER = "MARKER-cred-7f3a9c"
ENDPOINT = "ssh://gpu-marker-host.example.cn"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_marker_credential_reaches_only_the_buyers_authorised_people(client, market, confirmed, caplog, make_user):
    caplog.set_level(logging.DEBUG)
    staff = market.staff["chengdu"]
    client.force_login(staff)
    response = client.post(
        f"/orders/{confirmed.pk}/access/",
        {"endpoint": ENDPOINT, "account": "acct-1", "credential": MARKER, "note": "note"},
    )
    assert response.status_code == 302
    sealed = OrderAccess.objects.get(order=confirmed).sealed
    assert MARKER not in sealed and "gpu-marker-host" not in sealed

    # the buyer who placed the order, and a colleague granted the permission, see it
    client.force_login(market.user)
    assert MARKER in _body(client.get(f"/orders/{confirmed.pk}/access/"))
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/").json()["credential"] == MARKER
    colleague = UserFactory(organization=market.user.organization)
    colleague.user_permissions.add(Permission.objects.get(codename="view_order_credentials"))
    client.force_login(colleague)
    assert MARKER in _body(client.get(f"/orders/{confirmed.pk}/access/"))

    # nobody else does: not the provider that wrote it, a colleague without the permission, other orgs,
    # the operators (admin, audit trail and its export), nor any API key
    plain_colleague = UserFactory(organization=market.user.organization)
    operator = make_user("node_operator", email="ops@node.invalid")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    pages = [
        f"/orders/{confirmed.pk}/",
        f"/orders/{confirmed.pk}/access/",
        f"/orders/{confirmed.pk}/pdf/",
        f"/orders/{confirmed.pk}/statement/?format=csv",
        "/orders/",
        "/orders/statements/?format=csv",
        "/orders/statements/?side=provider&format=xlsx",
        "/api/v1/orders/",
        f"/api/v1/orders/{confirmed.pk}/",
        f"/api/v1/orders/{confirmed.pk}/access/",
        "/api/v1/holds/",
        "/api/v1/usage/",
        "/api/v1/statements/",
        "/security/audit/",
        "/security/audit/?format=csv",
        f"/django-admin/orders/orderaccess/{confirmed.pk}/change/",
        "/django-admin/orders/orderaccess/",
        "/django-admin/auditlog/logentry/",
    ]
    seen = 0
    for person in (staff, plain_colleague, market.stranger, market.staff["mianyang"], operator):
        client.force_login(person)
        for url in pages:
            response = client.get(url)
            body = _body(response)
            assert MARKER not in body and "gpu-marker-host" not in body, (person, url)
            seen += response.status_code == 200
    client.logout()
    for name in ("chengdu", "mianyang"):
        _key, raw = api_key_create(provider=market.providers[name], name="k", actor=market.staff[name])
        for url in pages:
            body = _body(client.get(url, HTTP_AUTHORIZATION=f"Api-Key {raw}"))
            assert MARKER not in body and "gpu-marker-host" not in body, (name, url)
    assert seen > 20  # the pages were really rendered, not just refused

    # the provider's page says it is set; the audit trail says it changed, not what it is
    client.force_login(staff)
    assert "已提供接入信息" in _body(client.get(f"/orders/{confirmed.pk}/"))
    entries = LogEntry.objects.get_for_object(OrderAccess.objects.get(order=confirmed))
    assert entries.exists()
    for entry in LogEntry.objects.all():
        text = (
            f"{entry.changes} {entry.changes_text} {entry.serialized_data} {entry.object_repr} {entry.additional_data}"
        )
        assert MARKER not in text and "gpu-marker-host" not in text
    assert not [record for record in caplog.records if MARKER in record.getMessage()]
    assert MARKER not in repr(access.unseal(OrderAccess.objects.get(order=confirmed).sealed))


def test_rotation_re_encrypts_under_the_new_key_and_drops_the_old(market, confirmed, settings):
    access.access_attach(
        order=confirmed,
        actor=market.staff["chengdu"],
        details=access.AccessDetails(endpoint=ENDPOINT, credential=MARKER),
    )
    old = settings.ORDER_ACCESS_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.ORDER_ACCESS_KEYS = [new, old]
    assert access.access_rotate() == 1
    settings.ORDER_ACCESS_KEYS = [new]
    assert access.access_reveal(user=market.user, order=confirmed).credential == MARKER
    settings.ORDER_ACCESS_KEYS = [Fernet.generate_key().decode()]
    assert access.access_reveal(user=market.user, order=confirmed) is None  # no key opens it: nothing shown


def test_provider_form_errors_are_per_field_and_closed_orders_refuse(client, market, confirmed):
    client.force_login(market.staff["chengdu"])
    response = client.post(f"/orders/{confirmed.pk}/access/", {"endpoint": ENDPOINT})
    assert response.status_code == 400 and "请填写访问凭据" in _body(response)
    client.force_login(market.user)
    client.post(f"/orders/{confirmed.pk}/", {"action": "cancel", "reason": "不需要了"})
    client.force_login(market.staff["chengdu"])
    response = client.post(f"/orders/{confirmed.pk}/access/", {"endpoint": ENDPOINT, "credential": MARKER})
    assert response.status_code == 400 and "不能提供接入信息" in _body(response)
    assert not OrderAccess.objects.exists()


def test_deploy_check_warns_about_the_development_key(settings):
    from orders.checks import order_access_keys_check

    settings.ORDER_ACCESS_KEYS = [access.DEV_KEY]
    assert [message.id for message in order_access_keys_check(None)] == ["orders.W002"]
    settings.ORDER_ACCESS_KEYS = [Fernet.generate_key().decode()]
    assert order_access_keys_check(None) == []
