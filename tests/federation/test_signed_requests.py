"""Signed node requests on the upstream side: signature, replay, window, prefix binding, rotation,
revocation and per-node idempotency (the national node of issue 14's attack report)."""

import copy
import json
import time

import pytest
from django.core.management import call_command

from federation import signing
from federation.models import IdentifierFiling, OutboxMessage, SeenNonce
from federation.registry import enrolment_accept, peer_revoke
from monitoring.models import ReceivedReport
from organizations.identifiers import format_identifier
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
FILING_URL = "/api/v1/federation/filings/identifiers/"
REPORT_URL = "/api/v1/federation/reports/operations/"


@pytest.fixture
def national(settings):
    settings.NODE_ROLE = "national"
    settings.NODE_IDENTIFIER_PREFIX = "CN"
    return settings


@pytest.fixture
def sichuan(national):
    return enrol(segment="510000", name="四川省区域节点")


@pytest.fixture
def hebei(national):
    return enrol(segment="130000", name="河北省区域节点")


def filing(prefix: str = "CN.510000", serial: int = 1, name: str = "A100 集群") -> dict:
    return {
        "identifier": format_identifier(prefix=prefix, class_code="A", serial=serial),
        "node_prefix": prefix,
        "class_code": "A",
        "name": name,
        "provider": "测试单位",
        "provider_uscc": "91510100MA61TF01X0",
        "division_code": "510100",
        "issued_at": "2026-03-02T10:00:00+08:00",
    }


def report(prefix: str, cards: int = 8) -> dict:
    return {
        "schema_version": 1,
        "report": "daily_operation",
        "date": "2026-03-02",
        "node": {"prefix": prefix, "role": "regional", "name": "节点"},
        "resource": {"resources": 1, "installed_cards": cards, "available_cards": 2},
        "platform": {"identifiers_issued": 1},
        "scheduling": None,
        "application": {"app_calls": 1},
    }


def test_a_signed_filing_is_recorded_and_acknowledged_by_the_national_node(sichuan, client):
    response = sichuan.post(client, FILING_URL, filing(), key="k1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["acknowledged"] is True and body["national_receipt"] == body["receipt"] and body["state"] == "filed"
    stored = IdentifierFiling.objects.get()
    assert (stored.peer, stored.node_prefix) == (sichuan.peer, "CN.510000")


def test_unsigned_bad_signature_tampered_body_and_unknown_key_are_401(sichuan, client):
    payload = filing()
    body = json.dumps(payload).encode()
    assert client.post(FILING_URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k").status_code == 401
    meta = sichuan.headers(method="POST", path=FILING_URL, body=body, idempotency_key="k")
    tampered = json.dumps({**payload, "name": "改过的名称"}).encode()
    assert client.post(FILING_URL, tampered, content_type="application/json", **meta).status_code == 401
    other = signing.generate_keypair()  # signed with a key that is not the node's
    forged = {**meta}
    forged.update(
        {
            "HTTP_X_NODE_SIGNATURE": signing.sign_headers(
                private_key=other.private_key,
                key_id=sichuan.key_id,
                method="POST",
                path=FILING_URL,
                body=body,
                idempotency_key="k",
                timestamp=int(meta["HTTP_X_NODE_TIMESTAMP"]),
            )["X-Node-Signature"]
        }
    )
    assert client.post(FILING_URL, body, content_type="application/json", **forged).status_code == 401
    unknown = sichuan.post(client, FILING_URL, payload, key="k", HTTP_X_NODE_KEY_ID="CN.510000:unknown")
    assert unknown.status_code == 401
    # the idempotency key is signed too: changing it breaks the signature
    assert (
        client.post(
            FILING_URL, body, content_type="application/json", **{**meta, "HTTP_IDEMPOTENCY_KEY": "k2"}
        ).status_code
        == 401
    )
    assert IdentifierFiling.objects.count() == 0


def test_a_replayed_request_and_a_stale_timestamp_are_refused(sichuan, client, national):
    body = json.dumps(filing()).encode()
    meta = sichuan.headers(method="POST", path=FILING_URL, body=body, idempotency_key="k1")
    assert client.post(FILING_URL, body, content_type="application/json", **meta).status_code == 201
    replay = client.post(FILING_URL, body, content_type="application/json", **meta)
    assert replay.status_code == 401 and "replay" in replay.json()["detail"]
    old = int(time.time()) - national.FEDERATION_SIGNATURE_WINDOW_SECONDS - 5
    stale = sichuan.headers(method="POST", path=FILING_URL, body=body, idempotency_key="k1", timestamp=old)
    assert client.post(FILING_URL, body, content_type="application/json", **stale).status_code == 401
    assert SeenNonce.objects.count() == 1 and IdentifierFiling.objects.count() == 1


def test_a_node_cannot_file_under_another_prefix_or_the_national_one(sichuan, hebei, client):
    assert sichuan.post(client, FILING_URL, filing("CN.130000"), key="x1").status_code == 403
    assert sichuan.post(client, FILING_URL, filing("CN"), key="x2").status_code == 403
    assert IdentifierFiling.objects.count() == 0
    assert hebei.post(client, FILING_URL, filing("CN.130000"), key="x1").status_code == 201


def test_a_node_cannot_send_another_nodes_report(sichuan, hebei, client):
    forged = sichuan.post(client, REPORT_URL, report("CN.130000"), key="operation_report:CN.130000:2026-03-02")
    assert forged.status_code == 403 and ReceivedReport.objects.count() == 0
    own = hebei.post(client, REPORT_URL, report("CN.130000"), key="operation_report:CN.130000:2026-03-02")
    assert own.status_code == 201 and ReceivedReport.objects.get().node_prefix == "CN.130000"


def test_idempotency_keys_are_scoped_per_node_and_a_changed_payload_is_409(sichuan, hebei, client):
    first = sichuan.post(client, FILING_URL, filing(serial=1), key="shared-key")
    again = sichuan.post(client, FILING_URL, filing(serial=1), key="shared-key")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["receipt"] == again.json()["receipt"]
    conflict = sichuan.post(client, FILING_URL, filing(serial=2), key="shared-key")
    assert conflict.status_code == 409
    changed = sichuan.post(client, FILING_URL, filing(serial=1, name="另一个名称"), key="other-key")
    assert changed.status_code == 409  # the same identifier filed again with other content
    other_node = hebei.post(client, FILING_URL, filing("CN.130000", serial=1), key="shared-key")
    assert other_node.status_code == 201 and other_node.json()["receipt"] != first.json()["receipt"]
    assert IdentifierFiling.objects.count() == 2
    # reports: same key twice from one node is a duplicate, with another body a 409; per node
    key = "operation_report:2026-03-02"
    assert sichuan.post(client, REPORT_URL, report("CN.510000"), key=key).status_code == 201
    assert sichuan.post(client, REPORT_URL, report("CN.510000"), key=key).status_code == 200
    assert sichuan.post(client, REPORT_URL, report("CN.510000", cards=9), key=key).status_code == 409
    assert hebei.post(client, REPORT_URL, report("CN.130000"), key=key).status_code == 201
    assert ReceivedReport.objects.get(node_prefix="CN.510000").payload["resource"]["installed_cards"] == 8


def test_a_rotated_credential_and_a_revoked_node_are_refused(sichuan, client, capsys):
    call_command("node_credential", "--rotate", "CN.510000")
    code = next(line[5:] for line in capsys.readouterr().out.splitlines() if line.startswith("CODE="))
    assert sichuan.post(client, FILING_URL, filing(), key="k1").status_code == 403  # old key
    new_keys = signing.generate_keypair()
    _, key = enrolment_accept(code=code, role="regional", url="", public_key=new_keys.public_key, algorithm="ed25519")
    rotated = copy.copy(sichuan)
    rotated.keys, rotated.key_id = new_keys, key.key_id
    assert rotated.post(client, FILING_URL, filing(), key="k1").status_code == 201
    peer_revoke(peer=sichuan.peer)
    assert rotated.post(client, FILING_URL, filing(serial=2), key="k2").status_code == 403
    assert IdentifierFiling.objects.count() == 1


def test_a_regional_node_accepts_its_industry_nodes_filings_and_relays_them(settings, client):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    settings.UPSTREAM_NODE_URL = "http://national.invalid"  # enrolled upward: filings are relayed
    liquor = enrol(segment="C15", name="酒的制造业行业节点")
    response = liquor.post(client, FILING_URL, filing("CN.510000.C15"), key="k1")
    assert response.status_code == 201, response.json()
    assert response.json()["acknowledged"] is False and response.json()["state"] == "relayed"
    message = OutboxMessage.objects.get(kind="identifier_filing")  # besides the node's registration (peer_relay)
    assert message.payload["node_prefix"] == "CN.510000.C15"
    assert liquor.post(client, FILING_URL, filing("CN.510000"), key="k2").status_code == 403  # the regional prefix
    settings.UPSTREAM_NODE_URL = ""  # a regional node with no upstream is the root of its network: it acknowledges
    alone = liquor.post(client, FILING_URL, filing("CN.510000.C15", serial=2), key="k5").json()
    assert alone["acknowledged"] is True and alone["state"] == "filed"
    assert OutboxMessage.objects.filter(kind="identifier_filing").count() == 1
    settings.NODE_ROLE = "industry"  # an industry node has no nodes below: the endpoints are absent
    assert liquor.post(client, FILING_URL, filing("CN.510000.C15"), key="k3").status_code == 404
    assert liquor.post(client, REPORT_URL, report("CN.510000.C15"), key="k4").status_code == 404
