"""A newcomer can apply on any date: the demo data always holds one campaign open relative to today, and where
no campaign is open the pages say why instead of offering an action that cannot succeed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from workflows.node_application import demo, services
from workflows.node_application.demo import OPEN_CAMPAIGN_SLUG, open_campaign_defaults
from workflows.node_application.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "today",
    [datetime.date(2026, 12, 6), datetime.date(2026, 1, 31), datetime.date(2027, 2, 28), datetime.date(2030, 12, 31)],
)
def test_the_open_campaign_is_open_on_any_date_for_weeks_ahead(today):
    dates = open_campaign_defaults(today=today)
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    assert dates["opens_at"] <= noon < dates["materials_deadline"]
    assert dates["materials_deadline"] - noon > datetime.timedelta(days=55)
    assert dates["materials_deadline"] < dates["ministry_deadline"]
    Campaign(slug=OPEN_CAMPAIGN_SLUG, **dates).full_clean()


def test_seed_keeps_the_2026_campaigns_and_moves_the_open_one_with_the_date(monkeypatch):
    demo.seed()
    sichuan, hebei = Campaign.objects.get(slug="sc-2026"), Campaign.objects.get(slug="hb-2026")
    assert sichuan.materials_deadline == demo.CAMPAIGNS["sc-2026"]["materials_deadline"]
    assert hebei.materials_deadline == demo.CAMPAIGNS["hb-2026"]["materials_deadline"]
    rolling = Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG)
    assert rolling.opens_at <= timezone.now() < rolling.materials_deadline
    demo.seed()  # idempotent
    assert Campaign.objects.count() == 4  # sc-2026, hb-2026, gd-2026 and the open one
    later = timezone.localdate() + datetime.timedelta(days=400)
    monkeypatch.setattr(demo.timezone, "localdate", lambda: later)
    demo.seed()
    rolling.refresh_from_db()
    noon = timezone.make_aware(datetime.datetime.combine(later, datetime.time(12)))
    assert rolling.opens_at <= noon < rolling.materials_deadline and rolling.year == later.year + 1


def test_a_sichuan_newcomer_sees_new_buttons_and_can_apply_today(client, people):
    demo.seed()
    client.force_login(people["applicant"])
    html = client.get(reverse("node_application:list")).content.decode()
    rolling = Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG)
    assert rolling.name in html and "新建区域节点申报" in html and "新建行业节点申报" in html
    assert "国家算力互联互通节点（四川）2026年申报" in html and "已截止（申报材料已于 2026-03-25 24:00 截止）" in html
    response = client.post(reverse("node_application:create", args=[rolling.slug, "industry"]))
    assert response.status_code == 302 and response["Location"].endswith("/edit/")
    assert rolling.applications.count() == 1


def test_with_no_open_campaign_the_list_says_why_and_offers_no_button(client, people):
    demo.seed()
    client.force_login(people["applicant_hebei"])
    html = client.get(reverse("node_application:list")).content.decode()
    assert "暂无正在受理的申报批次" in html
    assert "国家算力互联互通节点（河北）2026年申报" in html
    assert "已截止（申报材料已于 2026-03-17 24:00 截止），不再受理。" in html
    assert "新建区域节点申报" not in html and "新建行业节点申报" not in html


def test_a_closed_guide_does_not_offer_to_apply_and_an_open_one_does(client):
    from portal.models import GuidePage, HomePage

    demo.seed()
    home = HomePage.objects.first()
    for slug, campaign_slug in (("closed-guide", "sc-2026"), ("open-guide", OPEN_CAMPAIGN_SLUG)):
        guide = GuidePage(title=f"指南 {slug}", slug=slug, campaign=Campaign.objects.get(slug=campaign_slug))
        home.add_child(instance=guide)
        guide.save_revision().publish()
    closed = client.get("/closed-guide/").content.decode()
    assert "已截止" in closed and "登录后在线申报" not in closed
    assert "本批次申报材料已于 2026-03-25 24:00 截止，不再受理在线申报。" in closed
    opened = client.get("/open-guide/").content.decode()
    assert "正在受理" in opened and "登录后在线申报" in opened


def test_services_still_refuse_a_closed_campaign(people):
    demo.seed()
    with pytest.raises(Exception, match="截止"):
        services.application_create(
            campaign=Campaign.objects.get(slug="hb-2026"), node_type="regional", actor=people["applicant_hebei"]
        )


def test_demo_experts_find_an_application_to_score_in_their_inbox(client):
    from organizations import demo as organizations_demo
    from organizations.models import User
    from tests.catalog.factories import ensure_reference_data
    from workflows.node_application.models import Stage

    ensure_reference_data()
    organizations_demo.seed()
    demo.seed()
    demo.seed()  # idempotent
    # the open campaign holds other demo applications too (the one under publicity among them)
    application = Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG).applications.get(stage=Stage.EXPERT_REVIEW)
    assert application.node_type == "regional"
    assert sorted(application.expert_assignments.values_list("expert__username", flat=True)) == [
        "expert1",
        "expert2",
        "expert3",
    ]
    client.force_login(User.objects.get(username="expert1"))
    html = client.get(reverse("node_application:expert_inbox")).content.decode()
    assert application.reference in html and "待评分 1 项" in html
