"""The home page says where the node sits in the network (issue 14, item 8): its role and prefix, its
upstream node (from its enrolment) and the nodes enrolled below it (from the registry), in Chinese and
English; a revoked node below is not listed."""

import pytest
from django.utils import timezone

from federation.models import PeerState, UpstreamLink
from tests.federation.signed import enrol
from tests.portal.factories import sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional(settings):
    sections()
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    liquor = enrol(segment="C15", name="酒的制造业行业节点", url="http://liquor.example")
    electronics = enrol(segment="C39", name="电子信息行业节点", url="http://electronics.example")
    UpstreamLink.objects.create(  # this node is enrolled with the national one
        url="http://national.example",
        upstream_prefix="CN",
        upstream_name="National Node",
        prefix="CN.510000",
        role="regional",
        key_id="k1",
        private_key="unused",
        enrolled_at=timezone.now(),
    )
    return liquor, electronics


def section(html: str) -> str:
    start = html.index('class="network-position"')
    return html[start : html.index("</section>", start)]


def test_a_regional_node_names_its_upstream_and_its_industry_nodes(client, regional):
    liquor, electronics = regional
    html = section(client.get("/").content.decode())
    assert "区域节点" in html and "<code>CN.510000</code>" in html and "上级节点" in html
    assert '<a href="http://national.example" rel="external">National Node</a> <code>CN</code>' in html
    assert "下级节点" in html
    assert '<a href="http://liquor.example" rel="external">酒的制造业行业节点</a> <code>CN.510000.C15</code>' in html
    assert "电子信息行业节点" in html and "CN.510000.C39" in html

    electronics.peer.state = PeerState.REVOKED
    electronics.peer.save()
    assert "电子信息行业节点" not in section(client.get("/").content.decode())

    english = section(client.get("/en/").content.decode())
    assert "Regional node" in english and "Upstream node" in english and "Subordinate node" in english
    assert "区域节点" not in english and "上级节点" not in english


def test_a_national_node_is_the_root_and_an_industry_node_lists_nothing_below(client, settings):
    sections()
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "national", "CN"
    html = section(client.get("/").content.decode())
    assert "国家节点" in html and "本节点为根节点" in html and "暂无已接入的下级节点" in html
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "industry", "CN.510000.C15"
    html = section(client.get("/").content.decode())
    assert "行业节点" in html and "尚未接入上级节点" in html and "下级节点" not in html
