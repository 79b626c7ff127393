"""A ministry review expert signs in, finds the applications assigned to them from the start page, opens one
and submits a score, without typing a URL after the login page; nothing they click is a security event."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Correct-horse-42"  # tests.factories.UserFactory


@pytest.fixture
def assigned():
    """A Hebei regional application that both provincial departments passed to the ministry, with two experts
    named for it (the services and dates of tests/workflows/node_application/test_flow.py), and one expert not."""
    from tests.catalog.factories import ensure_reference_data
    from tests.factories import UserFactory
    from tests.workflows.node_application.factories import applicant, at, authority, eligible_org, fill, reviewer
    from tests.workflows.node_application.test_flow import through_ministry
    from workflows.node_application import demo, services
    from workflows.node_application.models import Campaign

    ensure_reference_data()
    demo.seed()
    hebei = Campaign.objects.get(slug="hb-2026")
    people = {
        "hb_comms": reviewer(
            "provincial_reviewer", authority("河北省通信管理局", "province", "communications_administration", "130000")
        ),
        "hb_industry": reviewer(
            "provincial_reviewer", authority("河北省工业和信息化厅", "province", "industry_it", "130000")
        ),
        "ministry": reviewer(
            "ministry_reviewer", authority("工业和信息化部信息通信管理局", "ministry", "ministry_ict", None)
        ),
    }
    owner = applicant(eligible_org("130100"))
    application = services.application_create(campaign=hebei, node_type="regional", actor=owner, now=at(3, 1))
    application = fill(application, owner, now=at(3, 1))
    application = services.application_submit(application=application, actor=owner, now=at(3, 2))
    application = through_ministry(application, people, province="hb", now_review=at(3, 20))
    expert = UserFactory(roles=["expert"], username="expert_e2e")
    colleague = UserFactory(roles=["expert"])
    services.expert_assign(application=application, actor=people["ministry"], experts=[expert, colleague])
    return {"application": application, "expert": expert}


def test_expert_finds_the_assignment_and_scores_it_without_typing_a_url(live_server, page, assigned):
    from security.models import SecurityEvent

    application = assigned["application"]
    page.goto(f"{live_server.url}/accounts/login/")  # the only address typed
    page.get_by_label("用户名").fill("expert_e2e")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))

    # The start page leads to the expert's own inbox (the navigation too)
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="专家评审任务")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="专家评审任务").click()
    page.wait_for_url(re.compile(r"/review/expert/$"))
    expect(page.get_by_role("heading", name="专家评审任务")).to_be_visible()
    expect(page.get_by_text("待评分 1 项")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=application.reference)
    expect(row.get_by_text("河北省区域节点")).to_be_visible()

    # Open the application and score it
    row.get_by_role("link", name=re.compile("去评分")).click()
    page.wait_for_url(re.compile(rf"/applications/{application.reference}/#score$"))
    page.get_by_label("评分（0–100）").fill("88")
    page.get_by_label("评审意见").fill("建设方案完整，资金落实。")
    page.get_by_role("button", name="提交评分").click()
    # the confirmation step: nothing is recorded until the expert confirms
    expect(page.get_by_role("heading", name="确认提交评分")).to_be_visible()
    assert application.expert_scores.count() == 0
    page.get_by_role("button", name="确认提交评分").click()

    # Back in the inbox: the score is there, nothing is left to do
    page.wait_for_url(re.compile(r"/review/expert/$"))
    expect(page.get_by_text(f"评分已提交：{application.reference}")).to_be_visible()
    expect(page.get_by_text("已评分 88.00")).to_be_visible()
    expect(page.get_by_text("待评分 0 项")).to_be_visible()
    score = application.expert_scores.get(expert=assigned["expert"])
    assert score.score == Decimal("88.00") and score.comment == "建设方案完整，资金落实。"
    assert not SecurityEvent.objects.filter(kind="access_denied").exists()
    assert page.console_errors == []
