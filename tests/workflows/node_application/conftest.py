import pytest

from workflows.node_application import demo
from workflows.node_application.models import Campaign

from .factories import applicant, authority, base_route, eligible_org, reviewer


@pytest.fixture
def campaigns(db):
    demo.seed()
    return {c.slug: c for c in Campaign.objects.all()}


@pytest.fixture
def sichuan(campaigns):
    """sc-2026 with the Sichuan notice's dates on the base route (see ``factories.BASE_ROUTE``)."""
    return base_route(campaigns["sc-2026"])


@pytest.fixture
def sichuan_notice(campaigns):
    """sc-2026 as the demo configures it: both city bodies, national-platform registration, paper copies."""
    return campaigns["sc-2026"]


@pytest.fixture
def hebei(campaigns):
    return campaigns["hb-2026"]


@pytest.fixture
def people(db):
    """Authorities and one reviewer per authority, as in the demo data, plus applicants and experts."""
    a = {
        "chengdu": authority("成都市经济和信息化局", "city", "municipal_economy_it", "510100"),
        "chengdu_comms": authority("成都市通信发展办公室", "city", "municipal_communications_office", "510100"),
        "mianyang": authority("绵阳市经济和信息化局", "city", "municipal_economy_it", "510700"),
        "sc_comms": authority("四川省通信管理局", "province", "communications_administration", "510000"),
        "sc_industry": authority("四川省经济和信息化厅", "province", "industry_it", "510000"),
        "hb_comms": authority("河北省通信管理局", "province", "communications_administration", "130000"),
        "hb_industry": authority("河北省工业和信息化厅", "province", "industry_it", "130000"),
        "ministry": authority("工业和信息化部信息通信管理局", "ministry", "ministry_ict", None),
    }
    users = {
        "chengdu": reviewer("municipal_reviewer", a["chengdu"]),
        "chengdu_comms": reviewer("municipal_reviewer", a["chengdu_comms"]),
        "mianyang": reviewer("municipal_reviewer", a["mianyang"]),
        "sc_comms": reviewer("provincial_reviewer", a["sc_comms"]),
        "sc_industry": reviewer("provincial_reviewer", a["sc_industry"]),
        "hb_comms": reviewer("provincial_reviewer", a["hb_comms"]),
        "hb_industry": reviewer("provincial_reviewer", a["hb_industry"]),
        "ministry": reviewer("ministry_reviewer", a["ministry"]),
    }
    from tests.factories import UserFactory

    users["experts"] = [UserFactory(roles=["expert"]) for _ in range(3)]
    users["tianfu_org"] = eligible_org("510100")
    users["applicant"] = applicant(users["tianfu_org"])
    users["mianyang_org"] = eligible_org("510700")
    users["applicant_mianyang"] = applicant(users["mianyang_org"])
    users["jibei_org"] = eligible_org("130100")
    users["applicant_hebei"] = applicant(users["jibei_org"])
    return users
