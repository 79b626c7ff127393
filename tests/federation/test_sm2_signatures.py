"""商用密码: SM2 signatures with the SM3 digest (GB/T 32918 / GB/T 32905) beside Ed25519, chosen per node by
NODE_SIGNATURE_ALGORITHM; every key record carries its algorithm, so a mixed network verifies each node
with its own (federation/signature_algorithms.py, signing.py)."""

import base64
import json
import os

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from federation import signing
from federation.models import IdentifierFiling, NodeKey, PeerKey
from federation.node_key import downward_signature_headers, node_key
from federation.registry import EnrolmentRefused, enrolment_accept, enrolment_code_issue
from federation.signature_algorithms import SM2, Ed25519, sm3_hex
from tests.federation.signed import enrol
from tests.federation.test_signed_requests import FILING_URL, filing

# GB/T 32905-2016, appendix A: example 1 ("abc") and example 2 ("abcd" × 16)
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
# GM/T 0003.5-2012 (GB/T 32918.5-2017) appendix A: signature example on the recommended curve, default signer id
EXAMPLE_PUBLIC = (
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
EXAMPLE_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
EXAMPLE_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA


def test_sm3_answers_the_standards_test_vectors():
    assert sm3_hex(b"abc") == SM3_ABC
    assert sm3_hex(b"abcd" * 16) == SM3_ABCD16


def test_the_sm2_canonical_string_digests_the_body_with_sm3():
    fields = {"method": "POST", "path": "/p", "timestamp": "1", "nonce": "n", "key_id": "k", "idempotency_key": "i"}
    fields["body"] = b"abc"
    sm2 = signing.canonical_string(**fields, algorithm="sm2").decode().splitlines()
    ed25519 = signing.canonical_string(**fields).decode().splitlines()
    assert (sm2[0], sm2[-1]) == ("FEDERATION-SIG-V1-SM2", SM3_ABC)
    assert ed25519[0] == "FEDERATION-SIG-V1" and ed25519[-1] != SM3_ABC


def test_sm2_verifies_the_standards_signature_example_and_refuses_it_on_another_message():
    public = base64.b64encode(bytes.fromhex(EXAMPLE_PUBLIC)).decode()
    signature = base64.b64encode(encode_dss_signature(EXAMPLE_R, EXAMPLE_S)).decode()
    assert SM2.public_key_valid(public)
    assert signing.signature_valid(public_key=public, signature=signature, message=b"message digest", algorithm="sm2")
    assert not signing.signature_valid(
        public_key=public, signature=signature, message=b"message digesT", algorithm="sm2"
    )


def test_sm2_signatures_do_not_verify_under_another_key_or_algorithm():
    pair, other = signing.generate_keypair("sm2"), signing.generate_keypair("sm2")
    signature = SM2.sign(pair.private_key, b"m")
    assert signing.signature_valid(public_key=pair.public_key, signature=signature, message=b"m", algorithm="sm2")
    assert not signing.signature_valid(public_key=other.public_key, signature=signature, message=b"m", algorithm="sm2")
    assert not signing.signature_valid(public_key=pair.public_key, signature=signature, message=b"m")  # as Ed25519
    assert not signing.public_key_valid(pair.public_key)  # an SM2 point is no Ed25519 key
    assert not signing.public_key_valid(signing.generate_keypair().public_key, "sm2")


@pytest.fixture
def national(settings):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "national", "CN"
    return settings


@pytest.mark.django_db
def test_an_sm2_signed_filing_is_accepted_and_tampering_wrong_key_and_replay_are_refused(national, client):
    sichuan = enrol(segment="510000", name="四川省区域节点", algorithm="sm2")
    assert PeerKey.objects.get(peer=sichuan.peer).algorithm == "sm2"
    payload = filing()
    body = json.dumps(payload).encode()
    meta = sichuan.headers(method="POST", path=FILING_URL, body=body, idempotency_key="k1")

    tampered = json.dumps({**payload, "name": "改过的名称"}).encode()
    assert client.post(FILING_URL, tampered, content_type="application/json", **meta).status_code == 401
    forger = signing.generate_keypair("sm2")  # the node's key id, another SM2 key
    forged = {**meta, "HTTP_X_NODE_SIGNATURE": SM2.sign(forger.private_key, b"anything")}
    assert client.post(FILING_URL, body, content_type="application/json", **forged).status_code == 401
    assert IdentifierFiling.objects.count() == 0

    assert client.post(FILING_URL, body, content_type="application/json", **meta).status_code == 201
    replay = client.post(FILING_URL, body, content_type="application/json", **meta)
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]
    assert IdentifierFiling.objects.count() == 1


@pytest.mark.django_db
def test_ed25519_and_sm2_nodes_are_each_verified_with_their_own_algorithm(national, client):
    sichuan = enrol(segment="510000", name="四川省区域节点", algorithm="sm2")
    hebei = enrol(segment="130000", name="河北省区域节点")  # Ed25519
    assert sichuan.post(client, FILING_URL, filing(), key="a").status_code == 201
    assert hebei.post(client, FILING_URL, filing(prefix="CN.130000"), key="b").status_code == 201
    # Sichuan's key id with an Ed25519 signature: the verifier takes the algorithm from the key record
    body = json.dumps(filing(serial=2)).encode()
    meta = sichuan.headers(method="POST", path=FILING_URL, body=body, idempotency_key="c")
    ed_keys = signing.generate_keypair()
    message = signing.canonical_string(
        method="POST",
        path=FILING_URL,
        timestamp=meta["HTTP_X_NODE_TIMESTAMP"],
        nonce=meta["HTTP_X_NODE_NONCE"] + "0",
        key_id=sichuan.key_id,
        idempotency_key="c",
        body=body,
    )
    meta["HTTP_X_NODE_NONCE"] += "0"
    meta["HTTP_X_NODE_SIGNATURE"] = Ed25519.sign(ed_keys.private_key, message)
    assert client.post(FILING_URL, body, content_type="application/json", **meta).status_code == 401
    assert IdentifierFiling.objects.count() == 2


@pytest.mark.django_db
def test_enrolment_refuses_an_unknown_algorithm_and_a_key_of_another_algorithm(national):
    code, row = enrolment_code_issue(segment="510000", name="四川省区域节点")
    sm2_key = signing.generate_keypair("sm2").public_key
    with pytest.raises(EnrolmentRefused) as refused:
        enrolment_accept(code=code, role=row.role, url="", public_key=sm2_key, algorithm="rsa")
    assert "algorithm" in refused.value.errors
    with pytest.raises(EnrolmentRefused) as refused:
        enrolment_accept(code=code, role=row.role, url="", public_key=sm2_key, algorithm="ed25519")
    assert "public_key" in refused.value.errors
    peer, key = enrolment_accept(code=code, role=row.role, url="", public_key=sm2_key, algorithm="sm2")
    assert (key.algorithm, key.public_key) == ("sm2", sm2_key)


@pytest.mark.django_db
def test_an_sm2_node_signs_downward_with_an_sm2_key_the_node_below_can_verify(national):
    national.NODE_SIGNATURE_ALGORITHM = "sm2"
    key = node_key()
    assert NodeKey.objects.get().algorithm == "sm2"
    headers = downward_signature_headers(method="GET", path="/x", body=b"")
    message = signing.canonical_string(
        method="GET",
        path="/x",
        timestamp=headers["X-Node-Timestamp"],
        nonce=headers["X-Node-Nonce"],
        key_id=key.key_id,
        idempotency_key="",
        body=b"",
        algorithm="sm2",
    )
    assert signing.signature_valid(
        public_key=key.public_key, signature=headers["X-Node-Signature"], message=message, algorithm="sm2"
    )


def test_a_failed_sm2_verification_writes_nothing_to_standard_error(capfd):
    pair = signing.generate_keypair("sm2")
    signature = SM2.sign(pair.private_key, b"m")
    capfd.readouterr()
    assert not signing.signature_valid(public_key=pair.public_key, signature=signature, message=b"x", algorithm="sm2")
    assert signing.signature_valid(public_key=pair.public_key, signature=signature, message=b"m", algorithm="sm2")
    assert capfd.readouterr().err == ""  # GmSSL printed "…sm2_sign.c:265:sm2_fast_verify():" and one more line


def test_other_output_to_standard_error_during_a_verification_still_arrives(capfd, monkeypatch):
    """Only GmSSL's trace lines are dropped: what another writer puts on descriptor 2 meanwhile is passed on."""

    def verify(point, message, der):
        os.write(2, b"/project/GmSSL/src/sm2_sign.c:265:sm2_fast_verify():\nanother writer\n")
        return False

    monkeypatch.setattr(gmssl_pyx, "sm2_verify", verify)
    pair = signing.generate_keypair("sm2")
    capfd.readouterr()
    assert not SM2.verify(pair.public_key, SM2.sign(pair.private_key, b"m"), b"m")
    assert capfd.readouterr().err == "another writer\n"
