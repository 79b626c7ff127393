"""The three pages `make bench-review` times answer with a bounded number of queries (no N+1)."""

import importlib.util
import random
from pathlib import Path

import pytest
from django.urls import reverse

from workflows.node_application import services
from workflows.node_application.models import TaskKind

from .factories import at, fill, open_task

pytestmark = pytest.mark.django_db

# queries per page: session + user + groups, the page's own reads, base.html's navigation
# status: +1 since the page reads the rules version the application was submitted under (campaign_rules.rules_for)
LIMITS = {"inbox": 14, "application": 25, "status": 21}  # application: +1, the false-materials bar


def _submit(sichuan, people, industry: str):
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    application = fill(application, people["applicant"], now=at(3, 20), industry=industry)
    return services.application_submit(application=application, actor=people["applicant"], now=at(3, 20))


def _pages(application, people):
    detail = reverse("node_application:detail", args=[application.reference])
    return {
        "inbox": (people["chengdu"], reverse("node_application:inbox")),
        "application": (people["chengdu"], detail),
        "status": (people["applicant"], detail),
    }


def test_inbox_application_and_status_pages_have_bounded_queries(
    client, sichuan, people, django_assert_max_num_queries, monkeypatch
):
    first = _submit(sichuan, people, "391")
    services.task_act(
        task=open_task(first, TaskKind.MUNICIPAL_REVIEW),
        actor=people["chengdu"],
        decision="return",
        opinion="请补充资金证明。",
        now=at(3, 22),
    )
    first = services.application_submit(application=first, actor=people["applicant"], now=at(3, 23))
    for rounds in (1, 4):  # the same bounds with 2 and with 8 applications in the inbox
        for n in range(rounds):
            _submit(sichuan, people, str(392 + rounds + n))
        for label, (user, url) in _pages(first, people).items():
            client.force_login(user)
            with django_assert_max_num_queries(LIMITS[label]):
                response = client.get(url)
            assert response.status_code == 200, label
    body = response.content.decode()
    assert "请补充资金证明。" in body and first.reference in body

    # The inbox pages (50 a page; 3 here: 6 tasks, 2 pages) and keeps its filters.
    from workflows.node_application import review_views

    monkeypatch.setattr(review_views, "INBOX_PAGE_SIZE", 3)
    client.force_login(people["chengdu"])
    url = reverse("node_application:inbox")
    first_page = client.get(url, {"kind": "municipal_review"}).content.decode()
    assert "kind=municipal_review&amp;page=2" in first_page or "page=2&amp;kind=municipal_review" in first_page
    assert first_page.count("/review/tasks/") == 3
    last_page = client.get(url, {"kind": "municipal_review", "page": 2}).content.decode()
    assert last_page.count("/review/tasks/") == 3


def _bench():
    path = Path(__file__).resolve().parents[3] / "bench" / "review.py"
    spec = importlib.util.spec_from_file_location("bench_review", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_review_runs_at_a_tiny_size():
    bench = _bench()
    data = bench.seed(60, random.Random(bench.SEED))
    assert data["applications"] == 60 and data["review_tasks"] > 0
    pages = bench.measure(data, requests=2)
    assert set(pages) == {"inbox (reviewer)", "application (reviewer)", "status (applicant)"}
    limits = dict(zip(pages, LIMITS.values(), strict=True))
    for label, page in pages.items():
        assert page["queries"] <= limits[label], (label, page)
        assert page["p95"] >= page["p50"] > 0
