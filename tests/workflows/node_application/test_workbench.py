"""The reviewer's workbench: inbox counts, due marks, 待办/已办 tabs, filters limited to the jurisdiction, the task
page beside its decision form, and the confirmation step before a decision; experts score blind."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from workflows.node_application import services
from workflows.node_application.models import ReviewTask, Stage, TaskKind

from .factories import at, fill, open_task
from .test_expert_inbox import in_expert_review  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(sichuan, people):
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    application = fill(application, people["applicant"], now=at(3, 20))
    return services.application_submit(application=application, actor=people["applicant"], now=at(3, 20))


def html(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_inbox_counts_marks_overdue_and_due_soon_and_has_tabs(client, submitted, people):
    inbox = reverse("node_application:inbox")
    page = html(client, people["chengdu"], inbox)
    # The Sichuan campaign's municipal deadline (25 March 2026) has passed: overdue, counted and marked.
    assert "已逾期" in page and 'class="badge text-bg-danger"' in page and "table-danger" in page
    assert submitted.reference in page
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    ReviewTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + datetime.timedelta(days=1))
    page = html(client, people["chengdu"], inbox)
    assert "即将到期" in page and "table-warning" in page and "table-danger" not in page
    # The done tab is empty until the task is done, then lists it with its outcome as a label.
    assert submitted.reference not in html(client, people["chengdu"], inbox, tab="done")
    services.task_act(task=task, actor=people["chengdu"], decision="recommend", opinion="同意推荐。", now=at(3, 22))
    done = html(client, people["chengdu"], inbox, tab="done")
    assert submitted.reference in done and "推荐" in done and ">recommend<" not in done
    assert submitted.reference not in html(client, people["chengdu"], inbox)


def test_campaign_filter_lists_only_what_the_jurisdiction_can_hold(client, campaigns, people):
    page = html(client, people["chengdu"], reverse("node_application:inbox"))
    assert campaigns["sc-2026"].name in page
    assert campaigns["hb-2026"].name not in page
    # Nor the steps of other levels: a city's step filter has no ministry step.
    assert "组织专家评审" not in page and "市级初审推荐" in page
    ministry = html(client, people["ministry"], reverse("node_application:inbox"))
    assert campaigns["hb-2026"].name in ministry and campaigns["sc-2026"].name in ministry
    # Under /en/ the workbench is in English.
    english = html(client, people["chengdu"], "/en/review/")
    assert "Review workbench" in english and "Due within 3 days" in english and "审核工作台" not in english
    # Asking for another province's campaign by its slug is refused by the filter, not obeyed.
    page = html(client, people["chengdu"], reverse("node_application:inbox"), campaign="hb-2026")
    assert "is-invalid" in page or "invalid-feedback" in page


def test_done_task_is_readable_not_actionable_and_hidden_from_other_cities(client, submitted, people):
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    url = reverse("node_application:task", args=[task.pk])
    services.task_act(task=task, actor=people["chengdu"], decision="return", opinion="请补充资金证明。", now=at(3, 22))
    page = html(client, people["chengdu"], url)
    assert "已办理" in page and "退回修改" in page and "请补充资金证明。" in page
    assert 'name="decision"' not in page
    client.force_login(people["chengdu"])
    assert client.post(url, {"decision": "recommend", "opinion": "x", "confirmed": "yes"}).status_code == 404
    for outsider in (people["mianyang"], people["sc_comms"], people["applicant"]):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_task_page_shows_the_application_beside_the_form(client, submitted, people):
    p = people
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    with _in_window(submitted):
        services.task_act(task=task, actor=p["chengdu"], decision="recommend", opinion="市级同意推荐。")
        comms = open_task(submitted, TaskKind.PROVINCIAL_REVIEW, "communications_administration")
        services.task_act(task=comms, actor=p["sc_comms"], decision="approve", opinion="通信管理局同意。")
    industry = open_task(submitted, TaskKind.PROVINCIAL_REVIEW, "industry_it")
    page = html(client, p["sc_industry"], reverse("node_application:task", args=[industry.pk]))
    # summary, materials with downloads, itemised eligibility, earlier opinions, the partner's state
    assert submitted.organization.name in page and "申报材料清单" in page
    material = submitted.materials.get(kind="application_form", format="pdf")
    assert reverse("node_application:material", args=[submitted.reference, material.pk]) in page
    assert "建设主体注册资金不低于5000万元" in page and "符合" in page
    assert "市级同意推荐。" in page and "通信管理局同意。" in page and "联合复审另一部门" in page
    # one step name, no nested brackets
    assert "省级联合复审 · 工业和信息化主管部门（经济和信息化厅）" in page
    assert "（工业和信息化主管部门（" not in page


def test_decision_needs_a_confirmation_and_back_keeps_the_choice(client, submitted, people):
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    url = reverse("node_application:task", args=[task.pk])
    client.force_login(people["chengdu"])
    # A return without an opinion is refused on the form, before any confirmation.
    response = client.post(url, {"decision": "return", "opinion": ""})
    assert "请填写意见" in response.content.decode() and "确认后不能撤销" not in response.content.decode()
    response = client.post(url, {"decision": "return", "opinion": "请补充材料。"})
    page = response.content.decode()
    assert "确认后不能撤销" in page and "退回修改" in page and 'name="confirmed"' in page
    task.refresh_from_db()
    assert task.status == "open"
    back = client.post(url, {"decision": "return", "opinion": "请补充材料。", "back": "1"}).content.decode()
    assert 'value="return" checked' in back.replace('id="id_decision_1" ', "") or "checked" in back
    assert "请补充材料。" in back
    with _in_window(submitted):
        response = client.post(url, {"decision": "return", "opinion": "请补充材料。", "confirmed": "yes"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.stage == Stage.RETURNED


def test_batch_recommend_asks_for_confirmation(client, submitted, people):
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    url = reverse("node_application:batch_recommend")
    client.force_login(people["chengdu"])
    page = client.post(url, {"task": [task.pk], "opinion": "同意"}).content.decode()
    assert "确认批量推荐" in page and submitted.reference in page
    task.refresh_from_db()
    assert task.status == "open"
    client.force_login(people["mianyang"])
    assert client.post(url, {"task": [task.pk], "opinion": "同意", "confirmed": "yes"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_ministry_expert_review_task_says_experts_must_be_assigned_first(client, in_expert_review, people):  # noqa: F811
    task = open_task(in_expert_review, TaskKind.EXPERT_REVIEW)
    page = html(client, people["ministry"], reverse("node_application:task", args=[task.pk]))
    assert "须先指派评审专家" in page and "已指派 2 位，已评分 0 位" in page


def test_experts_score_blind(client, in_expert_review, people):  # noqa: F811
    application = in_expert_review
    first, second, _unassigned = people["experts"]
    detail = reverse("node_application:detail", args=[application.reference])
    services.expert_score_submit(application=application, expert=first, score=Decimal("81"), comment="方案扎实A")
    # The second expert, not yet scored, sees neither the score nor the comment; nor does the province.
    page = html(client, second, detail)
    assert "方案扎实A" not in page and "81.00" not in page
    assert "方案扎实A" not in html(client, people["hb_comms"], detail)
    trail = reverse("node_application:trail", args=[application.reference])
    client.force_login(people["hb_comms"])
    assert "方案扎实A" not in client.get(trail).content.decode("utf-8-sig")
    # The first expert sees their own score only.
    page = html(client, first, detail)
    assert "其他专家的评分在全部指派专家评分后可见" in page
    # The ministry sees every score at any time.
    assert "方案扎实A" in html(client, people["ministry"], detail)
    services.expert_score_submit(application=application, expert=second, score=Decimal("77"), comment="风险可控B")
    page = html(client, first, detail)
    assert "方案扎实A" in page and "风险可控B" in page


class _in_window:
    """Move the campaign's review windows around now, so that decisions taken now are in time."""

    def __init__(self, application):
        self.campaign = application.campaign

    def __enter__(self):
        now = timezone.now()
        day = datetime.timedelta(days=1)
        fields = ["municipal_review_starts_at", "municipal_review_ends_at", "provincial_review_starts_at"]
        fields += ["provincial_review_ends_at"]
        self.saved = {f: getattr(self.campaign, f) for f in fields}
        type(self.campaign).objects.filter(pk=self.campaign.pk).update(
            municipal_review_starts_at=now - day,
            municipal_review_ends_at=now + day,
            provincial_review_starts_at=now - day,
            provincial_review_ends_at=now + day,
        )
        return self

    def __exit__(self, *exc):
        type(self.campaign).objects.filter(pk=self.campaign.pk).update(**self.saved)
