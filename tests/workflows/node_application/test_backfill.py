"""Applications made before the move to Viewflow get a process (migration 0003) and go on from where they are."""

import importlib

import pytest
from django.apps import apps

from organizations.models import IndustryCategory
from workflows.node_application import services
from workflows.node_application.models import ApplicationEvent, NodeApplication, ReviewTask, Stage, TaskKind

from .factories import at, fill, open_task

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("workflows.node_application.migrations.0003_backfill_processes").backfill


def _as_legacy(application) -> None:
    ReviewTask.objects.filter(application=application).update(workflow_task=None)
    NodeApplication.objects.filter(pk=application.pk).update(process=None)


def test_legacy_draft_and_half_joined_review_continue_on_their_new_process(hebei, people):
    p = people
    half = services.application_create(campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1))
    half = services.application_submit(
        application=fill(half, p["applicant_hebei"], now=at(3, 1)), actor=p["applicant_hebei"], now=at(3, 2)
    )
    services.task_act(
        task=open_task(half, TaskKind.PROVINCIAL_REVIEW, "communications_administration"),
        actor=p["hb_comms"],
        decision="approve",
        opinion="同意",
        now=at(3, 20),
    )
    draft = services.application_create(campaign=hebei, node_type="industry", actor=p["applicant_hebei"], now=at(3, 1))
    _as_legacy(half)
    _as_legacy(draft)

    backfill(apps, None)

    half.refresh_from_db()
    draft.refresh_from_db()
    assert half.process_id and draft.process_id
    task = open_task(half, TaskKind.PROVINCIAL_REVIEW, "industry_it")
    assert task.workflow_task.process_id == half.process_id
    half = services.task_act(task=task, actor=p["hb_industry"], decision="approve", opinion="同意", now=at(3, 21))
    assert half.stage == Stage.MINISTRY_SUBMISSION
    assert ApplicationEvent.objects.filter(application=half, action="provincial_review:joined").count() == 1
    assert open_task(half, TaskKind.MINISTRY_SUBMISSION).workflow_task.process_id == half.process_id
    # the draft's applicant task is there: the Hebei pre-review goes through the flow
    draft = services.application_save_draft(
        application=draft,
        actor=p["applicant_hebei"],
        data={"industry": IndustryCategory.objects.get(code="391")},
        now=at(3, 2),
    )
    draft = services.application_request_name_prereview(application=draft, actor=p["applicant_hebei"], now=at(3, 3))
    assert draft.stage == Stage.NAME_PREREVIEW
    assert open_task(draft, TaskKind.NAME_PREREVIEW).workflow_task.process_id == draft.process_id
