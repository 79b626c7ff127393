"""Both provincial departments approve at the same moment: exactly one join, no lost opinion (PostgreSQL)."""

import threading

import pytest
from django.db import connections
from viewflow.workflow.models import Task

from workflows.node_application import services
from workflows.node_application.flows import NodeApplicationFlow
from workflows.node_application.models import ApplicationEvent, ReviewTask, Stage, TaskKind

from .factories import at, fill, open_task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_joint_review_approvals_join_exactly_once(on_postgres, campaigns, people):
    p = people
    hebei = campaigns["hb-2026"]
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    tasks = [
        (
            open_task(application, TaskKind.PROVINCIAL_REVIEW, "communications_administration"),
            p["hb_comms"],
            "通信管理局同意",
        ),
        (open_task(application, TaskKind.PROVINCIAL_REVIEW, "industry_it"), p["hb_industry"], "工信厅同意"),
    ]
    barrier = threading.Barrier(2)
    errors = []

    def approve(task, user, opinion):
        try:
            barrier.wait(timeout=10)
            services.task_act(task=task, actor=user, decision="approve", opinion=opinion, now=at(3, 20))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=args) for args in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    application.refresh_from_db()
    assert application.stage == Stage.MINISTRY_SUBMISSION
    assert ReviewTask.objects.filter(application=application, kind=TaskKind.MINISTRY_SUBMISSION).count() == 1
    assert ApplicationEvent.objects.filter(application=application, action="provincial_review:joined").count() == 1
    opinions = set(
        ReviewTask.objects.filter(application=application, kind=TaskKind.PROVINCIAL_REVIEW).values_list(
            "opinion", flat=True
        )
    )
    assert opinions == {"通信管理局同意", "工信厅同意"}
    # Viewflow: one Join task, done once, and one ministry submission task after it.
    tasks = Task.objects.filter(process_id=application.process_id)
    joins = tasks.filter(flow_task=NodeApplicationFlow.join_reviews)
    assert [t.status for t in joins] == ["DONE"]
    assert sorted(t.previous.count() for t in joins) == [2]
    assert tasks.filter(flow_task=NodeApplicationFlow.ministry_submission, status="NEW").count() == 1
    assert tasks.filter(flow_task=NodeApplicationFlow.joint_review_passed, status="DONE").count() == 1
