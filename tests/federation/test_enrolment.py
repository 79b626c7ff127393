"""Node registry: prefix allocation, one-time enrolment codes, rotation and revocation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from federation import signing
from federation.models import EnrolmentCode, Peer, PeerKey
from federation.registry import EnrolmentRefused, enrolment_accept, enrolment_code_issue, prefix_allocate

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(settings):
    settings.NODE_ROLE = "national"
    settings.NODE_IDENTIFIER_PREFIX = "CN"
    return settings


def test_prefix_allocation_scheme():
    assert prefix_allocate(parent_prefix="CN", role="regional", segment="510000") == "CN.510000"
    assert prefix_allocate(parent_prefix="CN.510000", role="industry", segment="c15") == "CN.510000.C15"
    for role, segment in [("regional", "510100"), ("regional", "51"), ("industry", "15"), ("industry", "CX1")]:
        with pytest.raises(ValidationError):
            prefix_allocate(parent_prefix="CN", role=role, segment=segment)
    with pytest.raises(ValidationError):  # "I" is not in the identifier alphabet
        prefix_allocate(parent_prefix="CN.510000", role="industry", segment="I15")


def test_national_allocates_regional_prefixes_and_a_regional_node_industry_ones(national):
    code, row = enrolment_code_issue(segment="510000", name="四川省区域节点")
    assert (row.prefix, row.role) == ("CN.510000", "regional")
    assert row.code_sha256 != code and code not in row.code_sha256  # only the digest is stored
    national.NODE_ROLE, national.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    _, row = enrolment_code_issue(segment="C39", name="电子信息行业节点")
    assert (row.prefix, row.role) == ("CN.510000.C39", "industry")
    national.NODE_ROLE = "industry"
    with pytest.raises(ValidationError):
        enrolment_code_issue(segment="C15", name="酒的制造业")


def test_a_code_enrols_once_and_expires(national):
    code, row = enrolment_code_issue(segment="510000", name="四川省区域节点")
    keys = signing.generate_keypair()
    accept = {"url": "http://sc.example", "public_key": keys.public_key, "algorithm": "ed25519"}
    with pytest.raises(EnrolmentRefused) as refused:
        enrolment_accept(code=code, role="industry", **accept)  # a code for a regional node
    assert "role" in refused.value.errors
    peer, key = enrolment_accept(code=code, role="regional", **accept)
    assert (peer.prefix, peer.role, peer.url, peer.state) == ("CN.510000", "regional", "http://sc.example", "active")
    assert key.key_id.startswith("CN.510000:") and key.public_key == keys.public_key
    with pytest.raises(EnrolmentRefused):  # used
        enrolment_accept(code=code, role="regional", **accept)
    code2, row2 = enrolment_code_issue(segment="130000", name="河北省区域节点")
    EnrolmentCode.objects.filter(pk=row2.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(EnrolmentRefused):  # expired
        enrolment_accept(code=code2, role="regional", **accept)
    with pytest.raises(ValidationError):  # the prefix is taken
        enrolment_code_issue(segment="510000", name="另一个四川")
    assert Peer.objects.count() == 1


def test_enrol_endpoint_answers_with_prefix_and_key_and_refuses_bad_input(national, client):
    code, _ = enrolment_code_issue(segment="510000", name="四川省区域节点")
    keys = signing.generate_keypair()
    body = {"code": code, "role": "regional", "url": "http://sc.example", "algorithm": "ed25519"}
    bad = client.post("/api/v1/federation/enrol/", {**body, "public_key": "not-a-key"}, content_type="application/json")
    assert bad.status_code == 400 and "public_key" in bad.json()
    ok = client.post("/api/v1/federation/enrol/", {**body, "public_key": keys.public_key}, "application/json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["prefix"] == "CN.510000" and ok.json()["upstream"]["prefix"] == "CN"
    again = client.post("/api/v1/federation/enrol/", {**body, "public_key": keys.public_key}, "application/json")
    assert again.status_code == 400 and "code" in again.json()
    national.NODE_ROLE = "industry"
    assert client.post("/api/v1/federation/enrol/", body, "application/json").status_code == 404


def test_operator_commands_rotate_and_revoke(national, capsys):
    call_command("node_enrolment_code", "--segment", "510000", "--name", "四川省区域节点")
    code = next(line[5:] for line in capsys.readouterr().out.splitlines() if line.startswith("CODE="))
    keys = signing.generate_keypair()
    peer, first = enrolment_accept(code=code, role="regional", url="", public_key=keys.public_key, algorithm="ed25519")
    call_command("node_credential", "--rotate", "CN.510000")
    rotation = next(line[5:] for line in capsys.readouterr().out.splitlines() if line.startswith("CODE="))
    first.refresh_from_db()
    assert first.revoked_at is not None  # the old key stops at once
    new_keys = signing.generate_keypair()
    _, second = enrolment_accept(
        code=rotation, role="regional", url="", public_key=new_keys.public_key, algorithm="ed25519"
    )
    peer.refresh_from_db()
    assert peer.state == "active" and second.revoked_at is None
    assert list(PeerKey.objects.filter(revoked_at__isnull=True)) == [second]
    call_command("node_credential", "--revoke", "CN.510000")
    peer.refresh_from_db()
    assert peer.state == "revoked" and not PeerKey.objects.filter(revoked_at__isnull=True).exists()
