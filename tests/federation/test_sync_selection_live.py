"""The regional selection page keys a synced row for ws/live/ by its synced record (``synced:<pk>``), so the
page subscribes to it (a ``resource:-<pk>`` key would have been refused, and with it the page's whole
subscription), while the node's own rows keep ``resource:<pk>``."""

import re

import pytest

from federation.models import SyncedRecord
from search.backends import reset_backends
from tests.search.test_synced_source import receive, regional  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_synced_rows_carry_their_synced_key_and_local_rows_their_resource_key(client, regional):  # noqa: F811
    receive(regional.peer, position=10)
    reset_backends()
    page = client.get("/select/?page_size=100")
    assert page.status_code == 200
    keys = re.findall(r'data-live-record="([a-z_]+:-?\d+)"', page.content.decode())
    synced = SyncedRecord.objects.get()
    assert f"synced:{synced.pk}" in keys
    assert not [key for key in keys if ":-" in key]
    assert any(key.startswith("resource:") for key in keys)
