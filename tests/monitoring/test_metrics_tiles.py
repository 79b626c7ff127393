"""Live headline tiles over ``ws/monitoring/tiles/``: the full figures on connect and again after every
change, whichever process made it (a status PATCH through the provider API here, a roll-up run by a
management command with the in-process wake-up switched off); refused to whoever may not see the
dashboard; a regulator only gets their jurisdiction's. Browser-free (channels' WebsocketCommunicator,
through portal.asgi with its session authentication); runs on the in-memory layer and on Redis."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services
from changes.live import live_stop
from changes.models import Change
from portal.asgi import application
from tests.catalog.factories import ensure_reference_data
from tests.factories import AuthorityFactory

from .metrics_helpers import a100_resource, push

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

PATH = "/ws/monitoring/tiles/"
ORIGIN = (b"origin", b"http://127.0.0.1")
SHOWN = ("resources", "installed_cards", "available_cards", "utilisation_percent", "online_rate_percent")


@pytest.fixture(autouse=True)
def _fresh_layer(settings):
    """A fast poll of the feed, and a fresh channel layer per test (the in-memory layer's queues belong
    to the previous test's event loop)."""
    from channels.layers import channel_layers

    settings.LIVE_POLL_SECONDS = 0.05
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _session_cookie(user, **session) -> bytes:
    client = Client()
    client.force_login(user)
    if session:
        stored = client.session
        stored.update(session)
        stored.save()
    return f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}".encode()


async def open_socket(user=None, **session) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_session_cookie)(user, **session)))
    communicator = WebsocketCommunicator(application, PATH, headers=headers)
    connected, code = await communicator.connect(timeout=15)
    return communicator, connected, code


async def tiles_of(user, **session) -> WebsocketCommunicator:
    communicator, connected, code = await open_socket(user, **session)
    assert connected, code
    return communicator


async def next_figures(communicator: WebsocketCommunicator) -> dict:
    message = await communicator.receive_json_from(timeout=15)
    assert message["type"] == "tiles" and isinstance(message["stamp"], int), message
    return message["figures"]


def shown(figures: dict) -> tuple:
    return tuple(figures[name] for name in SHOWN)


def _provider_api(resource) -> APIClient:
    from tests.factories import UserFactory

    owner = UserFactory(roles=["provider"], organization=resource.provider.organization)
    _, raw_key = services.api_key_create(provider=resource.provider, name="tiles-test", actor=owner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return api


def _catalogue():
    ensure_reference_data()
    chengdu = a100_resource(external_id="CD-1", name="成都 A100 集群")  # 32 cards, 16 available
    hebei = a100_resource(city="130100", nodes=2, external_id="HB-1", name="石家庄 A100 集群")  # 16 cards, 16 available
    return chengdu, hebei


async def test_an_operator_gets_the_figures_then_a_status_patch_through_the_provider_api(make_user):
    chengdu, _hebei = await sync_to_async(_catalogue)()
    operator = await sync_to_async(make_user)("node_operator")
    api = await sync_to_async(_provider_api)(chengdu)

    socket = await tiles_of(operator)
    first = await next_figures(socket)
    assert shown(first) == (2, 48, 32, 33.3, 100.0)
    assert first["api_requests_last_hour"] == 0 and first["utilisation_today_percent"] is None

    response = await sync_to_async(api.patch)(
        f"/api/v1/provider/resources/{chengdu.external_id}/status/",
        {"available_units": 4, "state": "maintenance"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert shown(await next_figures(socket)) == (2, 48, 20, 58.3, 50.0)
    await socket.disconnect()
    await live_stop()


async def test_a_rollup_run_by_another_process_reaches_the_socket_by_polling(make_user, monkeypatch):
    """The roll-up command runs on another thread and database connection, and the in-process wake-up
    is switched off: only the fan-out's reading of the change feed can deliver it, as for another process."""
    monkeypatch.setattr("changes.live.live_wake", lambda: None)
    chengdu, _hebei = await sync_to_async(_catalogue)()
    operator = await sync_to_async(make_user)("node_operator")
    socket = await tiles_of(operator)
    assert (await next_figures(socket))["utilisation_today_percent"] is None

    await sync_to_async(push)(chengdu, (timezone.now(), 8))  # 24 of 32 cards busy
    assert await socket.receive_nothing(timeout=0.3)  # stored, not rolled up yet: nothing changed
    await sync_to_async(call_command, thread_sensitive=False)("metrics_rollup", "--no-snapshot", "--no-report")

    figures = await next_figures(socket)
    assert figures["utilisation_today_percent"] == 75.0
    assert shown(figures) == (2, 48, 32, 33.3, 100.0)  # the catalogue did not change
    assert await sync_to_async(Change.objects.filter(record_type="tiles", area="").count)() == 1
    await socket.disconnect()
    await live_stop()


async def test_a_regulator_only_gets_their_jurisdiction(make_user, sichuan_comms):
    chengdu, hebei = await sync_to_async(_catalogue)()
    operator = await sync_to_async(make_user)("node_operator")
    regulator = await sync_to_async(make_user)("provincial_reviewer", authority=sichuan_comms)

    ops, sichuan = await tiles_of(operator), await tiles_of(regulator)
    assert shown(await next_figures(ops)) == (2, 48, 32, 33.3, 100.0)
    figures = await next_figures(sichuan)
    assert shown(figures) == (1, 32, 16, 50.0, 100.0)
    assert "api_requests_last_hour" not in figures  # node-wide figures are the operators'

    def update(resource, units):
        services.record_update_status(record=resource, changes={"available_units": units})

    await sync_to_async(update)(hebei, 0)  # outside Sichuan
    assert shown(await next_figures(ops)) == (2, 48, 16, 66.7, 100.0)
    assert await sichuan.receive_nothing(timeout=0.5)
    await sync_to_async(update)(chengdu, 8)
    assert shown(await next_figures(sichuan)) == (1, 32, 8, 75.0, 100.0)
    assert shown(await next_figures(ops)) == (2, 48, 8, 83.3, 100.0)
    for socket in (ops, sichuan):
        await socket.disconnect()
    await live_stop()


async def test_whoever_may_not_see_the_dashboard_is_refused(make_user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    industry = await sync_to_async(AuthorityFactory)(
        name="四川省经济和信息化厅", level="province", department="industry_it", division_id="510000"
    )
    refused = [None]
    for roles, fields in ((["provider"], {}), (["applicant"], {}), (["provincial_reviewer"], {"authority": industry})):
        refused.append(await sync_to_async(make_user)(*roles, **fields))
    for user in refused:
        socket, connected, code = await open_socket(user)
        assert (connected, code) == (False, 4403), user
        await socket.disconnect()

    # an operator with an authenticator: refused until the session passed the second step
    operator = await sync_to_async(make_user)("node_operator")
    device = await sync_to_async(TOTPDevice.objects.create)(user=operator, name="phone", confirmed=True)
    socket, connected, code = await open_socket(operator)
    assert (connected, code) == (False, 4403)
    socket = await tiles_of(operator, **{DEVICE_ID_SESSION_KEY: device.persistent_id})
    assert (await next_figures(socket))["resources"] == 0
    await socket.disconnect()
    await live_stop()
