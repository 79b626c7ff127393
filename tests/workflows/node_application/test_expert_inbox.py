"""Experts' start: /me/ and the navigation lead to their inbox of assigned applications, from which they open
the application and score it; their old link (/review/) lands there, with no "access denied" security event."""

from decimal import Decimal

import pytest
from django.urls import reverse

from security.models import SecurityEvent
from tests.factories import UserFactory
from workflows.node_application import services

from .factories import at, fill
from .test_flow import through_ministry

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_expert_review(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))
    services.expert_assign(application=application, actor=p["ministry"], experts=p["experts"][:2])
    return application


def test_expert_start_page_and_navigation_lead_to_the_inbox_not_to_review(client, people):
    client.force_login(people["experts"][0])
    html = client.get(reverse("dashboard")).content.decode()
    inbox = reverse("node_application:expert_inbox")
    assert f'<a href="{inbox}">专家评审任务</a>' in html
    assert f'href="{reverse("node_application:inbox")}"' not in html
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{inbox}"' in nav
    # A reviewer's navigation has their own inbox, a visitor's no work list at all.
    client.force_login(people["hb_comms"])
    nav = client.get(reverse("dashboard")).content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>")[0]
    assert f'href="{reverse("node_application:inbox")}"' in nav and inbox not in nav
    client.logout()
    assert "/review/" not in client.get("/").content.decode()


def test_old_review_link_takes_an_expert_to_the_inbox_without_a_security_event(client, people):
    client.force_login(people["experts"][0])
    response = client.get(reverse("node_application:inbox"))
    assert response.status_code == 302 and response["Location"] == reverse("node_application:expert_inbox")
    assert client.get(response["Location"]).status_code == 200
    assert SecurityEvent.objects.filter(kind="access_denied").count() == 0


def test_inbox_lists_only_my_assignments_and_scoring_moves_them_to_done(client, people, in_expert_review):
    application = in_expert_review
    first, second, unassigned = people["experts"]
    client.force_login(first)
    html = client.get(reverse("node_application:expert_inbox")).content.decode()
    assert application.reference in html and "待评分 1 项" in html and "去评分" in html
    detail = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert 'id="score"' in detail and "提交评分" in detail

    url = reverse("node_application:score", args=[application.reference])
    confirm = client.post(url, {"score": "86.5", "comment": "方案可行"})  # irreversible: a confirmation page first
    assert confirm.status_code == 200 and "确认提交评分" in confirm.content.decode()
    assert application.expert_scores.count() == 0
    response = client.post(url, {"score": "86.5", "comment": "方案可行", "confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == reverse("node_application:expert_inbox")
    html = client.get(response["Location"]).content.decode()
    assert f"评分已提交：{application.reference}" in html
    assert "已评分 86.50" in html and "待评分 0 项" in html and "去评分" not in html
    assert application.expert_scores.get(expert=first).score == Decimal("86.50")

    client.force_login(unassigned)  # not named for this application: an empty inbox
    html = client.get(reverse("node_application:expert_inbox")).content.decode()
    assert application.reference not in html and "暂无指派给您的申报" in html


def test_inbox_is_for_experts_only(client, people):
    for user in (people["hb_comms"], people["applicant_hebei"], UserFactory()):
        client.force_login(user)
        assert client.get(reverse("node_application:expert_inbox")).status_code == 404
    client.logout()
    assert client.get(reverse("node_application:expert_inbox")).status_code == 302  # to the login page


def test_a_bad_score_is_refused_with_a_message_and_nothing_is_stored(client, people, in_expert_review):
    client.force_login(people["experts"][0])
    response = client.post(reverse("node_application:score", args=[in_expert_review.reference]), {"score": "120"})
    assert response.status_code == 302 and response["Location"].endswith("#score")
    assert "请填写 0–100 之间的评分" in client.get(response["Location"]).content.decode()
    assert in_expert_review.expert_scores.count() == 0


def test_publicity_before_enough_scores_is_refused_at_the_form_and_rejecting_still_reaches_the_confirmation(
    client, people, in_expert_review
):
    from workflows.node_application.models import TaskKind

    task = in_expert_review.tasks.get(kind=TaskKind.EXPERT_REVIEW, status="open")
    client.force_login(people["ministry"])
    url = reverse("node_application:task", args=[task.pk])
    html = client.post(url, {"decision": "publicize", "opinion": "同意公示"}).content.decode()
    assert "至少需要 3 位专家评分，目前 0 位。" in html
    assert 'name="confirmed"' not in html  # no confirmation step for a decision that cannot be taken
    in_expert_review.refresh_from_db()
    assert in_expert_review.publicity_ends_at is None
    task.refresh_from_db()
    assert task.status == "open"
    # rejecting needs no scores: it goes on to the confirmation step
    html = client.post(url, {"decision": "reject", "opinion": "材料不符合要求"}).content.decode()
    assert "至少需要 3 位专家评分" not in html and 'name="confirmed"' in html
