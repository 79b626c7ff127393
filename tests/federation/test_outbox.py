import datetime
import urllib.error

import pytest
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Identifier, IdentifierEvent
from catalog.services import upstream
from federation import services
from federation.models import IdentifierFiling, OutboxMessage
from tests.catalog.factories import ComputeResourceFactory, ensure_reference_data
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
FILING_URL = "/api/v1/federation/filings/identifiers/"


@pytest.fixture
def regional(settings):
    settings.NODE_ROLE = "regional"
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    settings.UPSTREAM_NODE_URL = "http://national.invalid"
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600
    return settings


def issue(django_capture_on_commit_callbacks) -> Identifier:
    with django_capture_on_commit_callbacks(execute=True):
        resource = ComputeResourceFactory(listing_state="pending")
        catalog_services.record_approve(record=resource, actor=None)
    return Identifier.objects.get(resource=resource)


def test_issuing_an_identifier_queues_one_filing(regional, django_capture_on_commit_callbacks):
    identifier = issue(django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get()
    assert message.idempotency_key == f"identifier_filing:{identifier.code}"
    assert message.payload["identifier"] == identifier.code and message.status == "pending"
    upstream.identifier_filing_enqueue(identifier_id=identifier.pk)  # a repeat changes nothing
    assert OutboxMessage.objects.count() == 1


def test_failures_back_off_exponentially_then_delivery_files_the_identifier(
    regional, django_capture_on_commit_callbacks, monkeypatch
):
    identifier = issue(django_capture_on_commit_callbacks)
    posted = []

    def down(**kwargs):
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(services, "_post", down)
    start = timezone.now()
    assert services.outbox_drain(now=start) == {"sent": 0, "failed": 1}
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and "connection refused" in message.last_error
    assert message.next_attempt_at == start + datetime.timedelta(seconds=30)
    assert services.outbox_drain(now=start + datetime.timedelta(seconds=10)) == {"sent": 0, "failed": 0}  # not due
    later = start + datetime.timedelta(seconds=31)
    services.outbox_drain(now=later)
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == later + datetime.timedelta(seconds=60)
    assert services.backoff_seconds(20) == 3600  # capped

    def up(**kwargs):
        posted.append(kwargs)
        return {"receipt": "F0000000001", "acknowledged": True, "national_receipt": "F0000000001"}

    monkeypatch.setattr(services, "_post", up)
    assert services.outbox_drain(now=later + datetime.timedelta(seconds=61)) == {"sent": 1, "failed": 0}
    message.refresh_from_db()
    identifier.refresh_from_db()
    assert message.status == "sent" and message.attempts == 3 and message.last_error == ""
    assert identifier.state == "active" and identifier.filed_at is not None
    events = IdentifierEvent.objects.filter(identifier=identifier).order_by("pk")
    assert [event.to_state for event in events] == ["issued", "filed", "active"]
    assert "F0000000001" in events[1].reason
    assert posted[0]["idempotency_key"] == message.idempotency_key
    assert services.outbox_drain(now=later + datetime.timedelta(days=1)) == {"sent": 0, "failed": 0}


@pytest.fixture
def national(settings):
    settings.NODE_ROLE = "national"
    settings.NODE_IDENTIFIER_PREFIX = "CN"
    return settings


def filing_payload():
    from organizations.identifiers import format_identifier

    return {
        "identifier": format_identifier(prefix="CN.510000", class_code="A", serial=1),
        "node_prefix": "CN.510000",
        "class_code": "A",
        "name": "A100 集群",
        "provider": "测试单位",
        "provider_uscc": "91510100MA61TF01X0",
        "division_code": "510100",
        "issued_at": "2026-03-02T10:00:00+08:00",
    }


def test_filing_endpoint_refuses_bad_payloads_and_non_upstream_nodes(national, client):
    sichuan = enrol(segment="510000")
    bad = sichuan.post(client, FILING_URL, {**filing_payload(), "identifier": "CN.510000/A00000001Y"}, key="k1")
    assert bad.status_code == 400 and "identifier" in bad.json()
    assert sichuan.post(client, FILING_URL, filing_payload(), key="").status_code == 400  # no idempotency key
    national.NODE_ROLE = "industry"
    assert sichuan.post(client, FILING_URL, filing_payload(), key="k2").status_code == 404
    assert IdentifierFiling.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_loopback_filing_survives_an_outage_of_the_national_node(live_server, settings):
    """The regional side drains over real HTTP to a live server acting as the national node."""
    settings.NODE_ROLE = "national"  # the live server answers as the national node
    settings.NODE_IDENTIFIER_PREFIX = "CN"
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    enrol(segment="510000").link(url="http://127.0.0.1:9")  # this database is also the enrolled Sichuan node
    ensure_reference_data()
    resource = ComputeResourceFactory(listing_state="pending")
    catalog_services.record_approve(record=resource, actor=None)  # commits: the outbox message is queued
    identifier = Identifier.objects.get(resource=resource)
    assert OutboxMessage.objects.filter(status="pending").count() == 1

    settings.UPSTREAM_NODE_URL = "http://127.0.0.1:9"  # national node down (discard port: refused)
    now = timezone.now()
    assert services.outbox_drain(now=now) == {"sent": 0, "failed": 1}
    identifier.refresh_from_db()
    assert identifier.state == "issued" and not IdentifierFiling.objects.exists()

    settings.UPSTREAM_NODE_URL = live_server.url  # back up
    assert services.outbox_drain(now=now + datetime.timedelta(seconds=31)) == {"sent": 1, "failed": 0}
    identifier.refresh_from_db()
    assert identifier.state == "active"  # the national acknowledgement came back: filed, then active
    filing = IdentifierFiling.objects.get()
    assert filing.identifier == identifier.code and filing.node_prefix == "CN.510000"


def test_national_node_answers_from_the_filing_when_no_node_serves_the_prefix(national, client):
    sichuan = enrol(segment="510000", url="")  # enrolled without a public URL: nothing to refer to
    payload = filing_payload()
    assert sichuan.post(client, FILING_URL, payload, key="k1").status_code == 201
    body = client.get(f"/api/v1/identifiers/{payload['identifier']}/").json()
    assert body["state"] == "filed" and body["resolved_by"] == "CN" and body["name"] == "A100 集群"
    assert body["authoritative"] is False
    from organizations.identifiers import format_identifier

    unknown = format_identifier(prefix="CN.130000", class_code="A", serial=5)
    assert client.get(f"/api/v1/identifiers/{unknown}/").status_code == 404
