"""属地监管 (issue 14): the communications administration sees the industry nodes of its jurisdiction on a
regional (or the national) node — their synced resources, identifier filings, reports and the refused
requests they made here — and nothing else; other roles, other jurisdictions and an industry node get 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from federation.models import IdentifierFiling, Peer, SyncedRecord
from monitoring.models import ReceivedReport
from security.models import SecurityEvent
from tests.factories import AuthorityFactory, UserFactory
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
LIST = "/monitoring/supervision/"


def regulator(division: str | None, level: str = "province", department: str = "communications_administration"):
    authority = AuthorityFactory(level=level, department=department, division_id=division)
    role = "ministry_reviewer" if level == "ministry" else "provincial_reviewer"
    return UserFactory(roles=[role], authority=authority)


@pytest.fixture
def sichuan_regional(settings):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    liquor = enrol(segment="C15", name="酒的制造业行业节点", url="http://c15.example")
    code = "CN.510000.C15/A000000011"
    SyncedRecord.objects.create(
        identifier=code,
        record_type="resource",
        source_prefix=liquor.peer.prefix,
        source_name=liquor.peer.name,
        source_url=f"http://c15.example/catalog/r/{code}/",
        peer=liquor.peer,
        snapshot={"name": "酿造工艺智算集群", "provider": "宜宾酒业智算有限公司", "price_yuan": "10.00"},
        position=3,
    )
    IdentifierFiling.objects.create(
        identifier=code,
        node_prefix=liquor.peer.prefix,
        peer=liquor.peer,
        idempotency_key="k1",
        payload={"name": "酿造工艺智算集群", "division_code": "511500"},
        state="relayed",
    )
    ReceivedReport.objects.create(
        node_prefix=liquor.peer.prefix,
        node_name=liquor.peer.name,
        report_date=datetime.date(2026, 8, 1),
        schema_version=1,
        idempotency_key="report:1",
        payload={"resource": {"resources": 1, "available_cards": 16}},
        received_at=timezone.now(),
    )
    return liquor


def test_a_forged_request_is_a_security_event_the_regulator_sees(sichuan_regional, client):
    # the industry node files under another prefix with its own valid credential: refused and recorded
    forged = {
        "identifier": "CN.130000/A000000011",
        "node_prefix": "CN.130000",
        "class_code": "A",
        "name": "伪造",
        "provider": "伪造",
        "provider_uscc": "91130100MA61TF01X0",
        "division_code": "130100",
        "issued_at": "2026-03-02T10:00:00+08:00",
    }
    from organizations.identifiers import format_identifier

    forged["identifier"] = format_identifier(prefix="CN.130000", class_code="A", serial=1)
    response = sichuan_regional.post(client, "/api/v1/federation/filings/identifiers/", forged, key="forged")
    assert response.status_code == 403
    # an unknown key claiming the node's prefix: a 401, recorded under the claimed prefix
    unknown = client.post(
        "/api/v1/federation/filings/identifiers/",
        forged,
        content_type="application/json",
        HTTP_X_NODE_KEY_ID="CN.510000.C15:deadbeef",
        HTTP_X_NODE_TIMESTAMP=str(int(timezone.now().timestamp())),
        HTTP_X_NODE_NONCE="n1",
        HTTP_X_NODE_SIGNATURE="AAAA",
        HTTP_IDEMPOTENCY_KEY="x",
    )
    assert unknown.status_code == 401
    events = list(SecurityEvent.objects.filter(kind="access_denied").values_list("detail", flat=True))
    assert len(events) == 2 and all(detail.startswith("node=CN.510000.C15 HTTP 40") for detail in events)

    client.force_login(regulator("510000"))
    listing = client.get(LIST)
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "酒的制造业行业节点" in text and "CN.510000.C15" in text
    page = client.get(reverse("monitoring:supervision-node", kwargs={"prefix": "CN.510000.C15"}))
    assert page.status_code == 200
    text = page.content.decode()
    for seen in (
        "酿造工艺智算集群",
        "宜宾酒业智算有限公司",
        "已转报，待国家节点确认",
        "2026-08-01",
        "HTTP 403",
        "HTTP 401",
    ):
        assert seen in text, seen


def test_other_roles_and_other_jurisdictions_get_404(sichuan_regional, client, settings):
    detail = reverse("monitoring:supervision-node", kwargs={"prefix": "CN.510000.C15"})
    assert client.get(LIST).status_code == 404  # anonymous
    for user in (
        UserFactory(roles=["provider"]),
        regulator("510000", department="industry_it"),  # the province's other department
        regulator("510100", level="city", department="municipal_communications_office"),
    ):
        client.force_login(user)
        assert (client.get(LIST).status_code, client.get(detail).status_code) == (404, 404)
    client.force_login(regulator("130000"))  # Hebei's regulator on the Sichuan node: nothing of Sichuan's
    listing = client.get(LIST)
    assert listing.status_code == 200 and "CN.510000.C15" not in listing.content.decode()
    assert client.get(detail).status_code == 404
    assert client.get(reverse("monitoring:supervision-node", kwargs={"prefix": "CN.510000.C99"})).status_code == 404
    client.force_login(regulator(None, level="ministry", department="ministry_ict"))  # the ministry: every node
    assert client.get(detail).status_code == 200
    client.force_login(UserFactory(roles=["node_operator"]))
    assert client.get(detail).status_code == 200
    settings.NODE_ROLE = "industry"  # an industry node has no nodes below it and no system E
    assert client.get(LIST).status_code == 404


def test_on_the_national_node_each_regulator_sees_its_own_provinces_industry_nodes(settings, client):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "national", "CN"
    sichuan = enrol(segment="510000", name="四川省区域节点")
    hebei = enrol(segment="130000", name="河北省区域节点")
    Peer.objects.create(name="酒的制造业行业节点", role="industry", prefix="CN.510000.C15", via=sichuan.peer)
    Peer.objects.create(name="钢铁行业节点", role="industry", prefix="CN.130000.C31", via=hebei.peer)
    client.force_login(regulator("510000"))
    text = client.get(LIST).content.decode()
    assert "CN.510000.C15" in text and "四川省区域节点" in text and "CN.130000.C31" not in text
    assert client.get(reverse("monitoring:supervision-node", kwargs={"prefix": "CN.130000.C31"})).status_code == 404
