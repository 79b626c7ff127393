"""Give every application created before the move to Viewflow its NodeApplicationFlow process.

The process gets the tasks its stage implies: the applicant's ``prepare`` task in draft or returned, one
Viewflow task per open ReviewTask (linked 1:1), and for a joint review already approved by one department
its done branch and the waiting join, so the other department's decision joins as usual.
"""

from django.db import migrations
from django.utils import timezone

FLOW = "node_application/flows.NodeApplicationFlow"
NODE = {
    ("name_prereview", ""): "name_prereview",
    ("municipal_review", ""): "municipal_review",
    ("provincial_review", "communications_administration"): "review_by_communications",
    ("provincial_review", "industry_it"): "review_by_industry_it",
    ("ministry_submission", ""): "ministry_submission",
    ("expert_review", ""): "expert_review",
    ("publicity", ""): "publicity",
    ("construction", ""): "construction",
    ("integration_testing", ""): "integration_testing",
    ("acceptance", ""): "acceptance",
}
BRANCH = {"communications_administration": 1, "industry_it": 2}
FINAL = {"not_recommended": "DONE", "rejected": "DONE", "accepted": "DONE", "withdrawn": "CANCELED"}


def backfill(apps, schema_editor):
    from viewflow.workflow.token import Token

    NodeApplication = apps.get_model("node_application", "NodeApplication")
    ReviewTask = apps.get_model("node_application", "ReviewTask")
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    now = timezone.now()

    def task(process, name, status, token="start", previous=()):
        created = Task.objects.create(
            process=process,
            flow_task=f"{FLOW}.{name}",
            flow_task_type={"start": "START", "joint_review": "PARALLEL_GATEWAY", "join_reviews": "JOIN"}.get(
                name, "FUNCTION"
            ),
            status=status,
            token=Token(token),
            started=now if status != "NEW" else None,
            finished=now if status == "DONE" else None,
        )
        for other in previous:
            created.previous.add(other)
        return created

    for application in NodeApplication.objects.filter(process__isnull=True).order_by("pk"):
        status = FINAL.get(application.stage, "NEW")
        process = Process.objects.create(
            flow_class=FLOW, status=status, finished=now if status != "NEW" else None, data={}
        )
        application.process = process
        application.save(update_fields=["process"])
        start = task(process, "start", "DONE")
        if application.stage in ("draft", "returned"):
            task(process, "prepare", "NEW", previous=[start])
        open_tasks = list(ReviewTask.objects.filter(application=application, status="open", workflow_task=None))
        split = None
        for review in open_tasks:
            token, previous = "start", [start]
            if review.kind == "provincial_review":
                split = split or task(process, "joint_review", "DONE", previous=[start])
                token, previous = f"start/{split.pk}_{BRANCH[review.department]}", [split]
            department = review.department if review.kind == "provincial_review" else ""
            review.workflow_task = task(process, NODE[(review.kind, department)], "NEW", token, previous)
            review.save(update_fields=["workflow_task"])
        provincial = [r for r in open_tasks if r.kind == "provincial_review"]
        if len(provincial) == 1:  # the other department already approved: its branch is done, the join waits
            other = next(d for d in BRANCH if d != provincial[0].department)
            done = task(
                process, NODE[("provincial_review", other)], "DONE", f"start/{split.pk}_{BRANCH[other]}", [split]
            )
            task(process, "join_reviews", "STARTED", previous=[done])


class Migration(migrations.Migration):
    dependencies = [
        ("node_application", "0002_viewflow_process"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
