"""The receiving end of the catalogue sync (a regional node with an industry node below it): records
only under the sender's prefix, an older change never overwrites a newer one, removals hide, a
repeated batch changes nothing, and what is applied enters this node's own feed for forwarding."""

import pytest

from changes.models import Change
from federation.models import SyncedRecord
from organizations.identifiers import format_identifier
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
SYNC_URL = "/api/v1/federation/sync/records/"


@pytest.fixture
def industry(settings):
    settings.NODE_ROLE = "regional"
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    return enrol(segment="C15", name="酒业行业节点")


def item(prefix: str = "CN.510000.C15", *, serial: int = 1, position: int = 10, removed: bool = False, **snapshot):
    code = format_identifier(prefix=prefix, class_code="A", serial=serial)
    return {
        "identifier": code,
        "record_type": "resource",
        "position": position,
        "removed": removed,
        "snapshot": {} if removed else {"identifier": code, "name": "酿造工艺智算集群", "state": "online", **snapshot},
        "source_name": "酒业行业节点",
        "source_url": f"http://industry.example/catalog/r/{code}/",
    }


def send(client, node, records, key="batch-1"):
    return node.post(client, SYNC_URL, {"records": records}, key=key)


def test_a_record_under_the_senders_prefix_is_stored_with_its_source(client, industry):
    response = send(client, industry, [item(available_units=5)])
    assert response.status_code == 200, response.content
    assert response.json() == {"applied": 1, "removed": 0, "stale": 0}
    record = SyncedRecord.objects.get()
    assert record.source_prefix == "CN.510000.C15"
    assert record.peer == industry.peer
    assert record.snapshot["available_units"] == 5
    assert record.source_url.startswith("http://industry.example/")
    assert Change.objects.filter(record_type="synced", record_id=record.pk).count() == 1  # forwarded upward next


@pytest.mark.parametrize("prefix", ["CN.130000", "CN.510000", "CN.510000.C16"])
def test_records_outside_the_senders_prefix_are_refused_and_nothing_changes(client, industry, prefix):
    response = send(client, industry, [item(serial=2), item(prefix, serial=3)])
    assert response.status_code == 403
    assert "records" in response.json()
    assert not SyncedRecord.objects.exists()


def test_an_older_change_never_overwrites_a_newer_one(client, industry):
    send(client, industry, [item(position=20, available_units=3)], key="b2")
    response = send(client, industry, [item(position=12, available_units=9)], key="b1")
    assert response.json() == {"applied": 0, "removed": 0, "stale": 1}
    assert SyncedRecord.objects.get().snapshot["available_units"] == 3
    send(client, industry, [item(position=21, available_units=1)], key="b3")
    assert SyncedRecord.objects.get().snapshot["available_units"] == 1


def test_a_removal_hides_the_record_and_a_late_upsert_does_not_bring_it_back(client, industry):
    send(client, industry, [item(position=10)], key="b1")
    response = send(client, industry, [item(position=11, removed=True)], key="b2")
    assert response.json() == {"applied": 0, "removed": 1, "stale": 0}
    record = SyncedRecord.objects.get()
    assert record.removed and record.snapshot == {}
    send(client, industry, [item(position=10)], key="b1-again")
    assert SyncedRecord.objects.get().removed


def test_a_repeated_batch_changes_nothing(client, industry):
    batch = [item(serial=1, position=10), item(serial=2, position=11)]
    assert send(client, industry, batch, key="sync:0-11").status_code == 200
    changes = Change.objects.filter(record_type="synced").count()
    received = list(SyncedRecord.objects.values_list("identifier", "position", "snapshot", "received_at"))
    assert send(client, industry, batch, key="sync:0-11").status_code == 200
    assert list(SyncedRecord.objects.values_list("identifier", "position", "snapshot", "received_at")) == received
    assert Change.objects.filter(record_type="synced").count() == changes == 2


def test_unsigned_and_malformed_batches_are_refused(client, industry):
    assert client.post(SYNC_URL, {"records": [item()]}, content_type="application/json").status_code == 401
    bad = item()
    bad["identifier"] = "not-an-identifier"
    response = send(client, industry, [bad])
    assert response.status_code == 400
    assert not SyncedRecord.objects.exists()


def test_the_record_page_shows_a_synced_record_with_its_source_node_until_it_is_removed(client, industry):
    record = item(available_units=5, provider="宜宾酒业智算有限公司", price_yuan="10.00", state_label="在线")
    send(client, industry, [record], key="b1")
    page = client.get(f"/catalog/r/{record['identifier']}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "来源节点" in html and "酒业行业节点" in html and "CN.510000.C15" in html
    assert f'href="{record["source_url"]}"' in html
    assert "宜宾酒业智算有限公司" in html and "10.00" in html
    send(client, industry, [item(position=11, removed=True)], key="b2")
    assert client.get(f"/catalog/r/{record['identifier']}/").status_code == 404


def test_operators_see_synced_records_read_only_in_the_admin(client, industry, make_user):
    send(client, industry, [item()], key="b1")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/django-admin/federation/syncedrecord/")
    assert page.status_code == 200 and item()["identifier"] in page.content.decode()
    record = SyncedRecord.objects.get()
    assert client.get("/django-admin/federation/syncedrecord/add/").status_code == 403
    assert client.get(f"/django-admin/federation/syncedrecord/{record.pk}/delete/").status_code == 403


def test_the_record_types_are_those_the_catalogue_registered(client, industry):
    """Federation knows no payload types: the catalogue registers the types it syncs (CatalogConfig.ready)."""
    from federation.kinds import sync_sources

    assert list(sync_sources()) == ["resource", "line", "app_service"]
    records = [dict(item(serial=serial), record_type=kind) for serial, kind in enumerate(sync_sources(), start=1)]
    assert send(client, industry, records).status_code == 200
    assert sorted(SyncedRecord.objects.values_list("record_type", flat=True)) == ["app_service", "line", "resource"]

    response = send(client, industry, [dict(item(serial=9), record_type="invoice")], key="batch-2")
    assert response.status_code == 400
    assert "record_type" in str(response.json()["records"])  # a field-level error on the item
    assert SyncedRecord.objects.count() == 3


def test_field_errors_name_the_item_and_the_field_and_nothing_is_stored(client, industry):
    bad = item(serial=2)
    bad.update(position=-1, source_url="javascript:alert(1)")
    response = send(client, industry, [item(serial=1), bad])
    assert response.status_code == 400
    errors = response.json()["records"]
    assert set(errors) == {"1"} and set(errors["1"]) == {"position", "source_url"}
    assert "须为非负整数" in errors["1"]["position"][0]
    assert not SyncedRecord.objects.exists()
