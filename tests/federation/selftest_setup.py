"""Run inside a regional node's ``manage.py shell`` (tests/federation/test_selftest_three_servers.py): a Sichuan
industry node application walked to 对接联调 through the real services, its enrolment code printed."""

from organizations.models import Division  # noqa: F401  (reference data must be there)
from tests.factories import UserFactory
from tests.workflows.node_application.factories import (
    applicant,
    at,
    authority,
    base_route,
    eligible_org,
    fill,
    reviewer,
)
from tests.workflows.node_application.test_flow import act, after_ministry, through_ministry
from workflows.node_application import demo, services
from workflows.node_application.models import Campaign, IntegrationEnrolment, TaskKind


def people() -> dict:
    a = {
        "chengdu_comms": authority("成都市通信发展办公室", "city", "municipal_communications_office", "510100"),
        "sc_comms": authority("四川省通信管理局", "province", "communications_administration", "510000"),
        "sc_industry": authority("四川省经济和信息化厅", "province", "industry_it", "510000"),
        "ministry": authority("工业和信息化部信息通信管理局", "ministry", "ministry_ict", None),
    }
    users = {
        name: reviewer(f"{level}_reviewer", a[name])
        for name, level in (
            ("chengdu_comms", "municipal"),
            ("sc_comms", "provincial"),
            ("sc_industry", "provincial"),
            ("ministry", "ministry"),
        )
    }
    users["sc_comms"].username = "selftest_sc_comms"
    users["sc_comms"].save(update_fields=["username"])
    users["experts"] = [UserFactory(roles=["expert"]) for _ in range(3)]
    users["tianfu_org"] = eligible_org("510100")
    users["applicant"] = applicant(users["tianfu_org"])
    return users


def main() -> None:
    demo.seed()
    p = people()
    campaign = base_route(Campaign.objects.get(slug="sc-2026"))
    application = services.application_create(
        campaign=campaign, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 20, 11))
    application = act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu_comms"], "recommend", "推荐。", now=at(3, 22))
    application = through_ministry(application, p, now_review=at(3, 26))
    application = after_ministry(application, p)
    application = act(TaskKind.CONSTRUCTION, application, p["sc_comms"], "complete", "建设完成。", now=at(8, 1))
    enrolment = IntegrationEnrolment.objects.get(application=application)
    print(f"REFERENCE={application.reference}")
    print(f"PREFIX={enrolment.node_prefix}")
    print(f"CODE={enrolment.code}")


PASS = """
from organizations.models import User
from workflows.node_application import services
from workflows.node_application.models import NodeApplication, ReviewTask

application = NodeApplication.objects.get(reference="{reference}")
task = ReviewTask.objects.get(application=application, kind="integration_testing", status="open")
try:
    services.task_act(task=task, actor=User.objects.get(username="selftest_sc_comms"), decision="pass", opinion="")
    application.refresh_from_db()
    print("PASSED=" + application.stage)
except Exception as error:
    print("PASSED=refused " + type(error).__name__ + " " + str(error))
"""
