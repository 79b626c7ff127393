import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from organizations.demo import DEMO_PASSWORD
from organizations.models import Authority, Organization, TelecomLicence, User
from organizations.roles import Role
from portal.models import HomePage

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (Organization, Authority, User, TelecomLicence, LogEntry)]


def test_seed_demo_is_idempotent_and_prints_the_accounts(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert "reviewer_chengdu" in out and "admin" in out
    first = counts()
    home_revisions = HomePage.objects.get().revisions.count()
    call_command("seed_demo")
    assert counts() == first  # nothing new, not even an audit entry
    assert HomePage.objects.get().revisions.count() == home_revisions


def test_one_demo_account_per_role_and_they_can_sign_in(client):
    call_command("seed_demo", quiet=True)
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert client.login(username="reviewer_sc_comms", password=DEMO_PASSWORD)
    reviewer = User.objects.get(username="reviewer_sc_comms")
    assert reviewer.authority.name == "四川省通信管理局"
    assert User.objects.get(username="reviewer_mianyang").authority.division_id == "510700"
    for organization in Organization.objects.all():
        organization.full_clean()  # every demo USCC passes the real check


def test_seed_demo_is_refused_where_demo_data_is_not_allowed(settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_the_guangdong_call_has_its_guide_page_and_its_people(client):
    """A newcomer sees the third province's call as a guide rendered from its configuration (no municipal
    review, its own materials and paper-copy deadline) and can sign in as its applicant and reviewers."""
    call_command("seed_demo", quiet=True)
    page = client.get("/guangdong-2026-node-guide/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "国家算力互联互通节点（广东）2026年申报（第一批）" in text
    assert "行业主管部门支持函" in text  # a material only Guangdong's list names
    assert "纸质" in text
    reviewer = User.objects.get(username="reviewer_gd_comms")
    assert reviewer.authority.division_id == "440000"
    assert User.objects.get(username="applicant_guangdong").organization.name == "广东粤智算力有限公司（示例）"
    assert client.login(username="reviewer_gd_industry", password=DEMO_PASSWORD)


def test_a_newcomer_finds_every_stage_a_publicity_and_a_registration_to_certify(client):
    """Issue 16 item 4: a fresh `make run` shows a node under publicity (its period containing today) and a finished
    publicity on the public 公示 page, an application in each stage of the route, and a self-registration waiting in
    the operator's certification queue."""
    import datetime

    from django.utils import timezone

    from accounts.models import OrganizationRegistration
    from workflows.node_application.demo import OPEN_CAMPAIGN_SLUG
    from workflows.node_application.models import NodeApplication, Stage

    call_command("seed_demo", quiet=True)
    stages = set(NodeApplication.objects.values_list("stage", flat=True))
    route = {Stage.DRAFT, Stage.MUNICIPAL_REVIEW, Stage.PROVINCIAL_REVIEW, Stage.EXPERT_REVIEW, Stage.PUBLICITY}
    assert route | {Stage.CONSTRUCTION} <= stages, stages

    now = timezone.now()
    current = NodeApplication.objects.get(stage=Stage.PUBLICITY)
    assert current.campaign.slug == OPEN_CAMPAIGN_SLUG
    assert now < current.publicity_ends_at <= now + datetime.timedelta(days=current.campaign.publicity_days)
    listed = client.get("/publicity/").content.decode()
    assert current.title in listed and "公示中" in listed
    finished = NodeApplication.objects.get(stage=Stage.CONSTRUCTION, campaign__slug="hb-2026")
    results = client.get("/publicity/?tab=results").content.decode()
    assert finished.title in results and "公示期满，批准建设" in results
    assert current.title not in results
    # anyone can open the current entry and find the objection form
    detail = client.get(f"/publicity/{current.reference}/").content.decode()
    assert 'name="content"' in detail

    # the operator's certification queue holds the newcomer's self-registration
    waiting = OrganizationRegistration.objects.get(submitted_by__username="newcomer")
    assert client.login(username="operator", password=DEMO_PASSWORD)
    assert waiting.name in client.get("/certification/").content.decode()

    # loading the demo again changes none of it
    call_command("seed_demo", quiet=True)
    assert NodeApplication.objects.filter(stage=Stage.PUBLICITY).count() == 1
    assert set(NodeApplication.objects.values_list("stage", flat=True)) == stages


def test_a_later_run_rolls_the_demo_forward_without_new_rows(client):
    """`make run` seeds on every start: weeks after the first seeding (past the 7-day publicity, into another
    month) a re-run still gives an open campaign and a node under publicity, and adds no demo row."""
    import datetime

    import time_machine
    from django.utils import timezone

    from workflows.node_application.demo import OPEN_CAMPAIGN_SLUG
    from workflows.node_application.models import Campaign, NodeApplication, ReviewTask, Stage, TaskKind

    def demo_rows():
        return [
            NodeApplication.objects.count(),
            Campaign.objects.count(),
            ReviewTask.objects.count(),
            Organization.objects.count(),
            User.objects.count(),
        ]

    first_day = timezone.now()
    with time_machine.travel(first_day, tick=False):
        call_command("seed_demo", quiet=True)
    rows = demo_rows()
    entry = NodeApplication.objects.get(stage=Stage.PUBLICITY)
    opened = Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG).opens_at
    for days in (10, 45):  # past the period; then in a later month, when the campaign's window moves too
        later = first_day + datetime.timedelta(days=days)
        with time_machine.travel(later, tick=False):
            # before the re-run the entry's period is over: 公示期满，待审定
            assert "公示期满，待审定" in client.get("/publicity/").content.decode()
            call_command("seed_demo", quiet=True)
            campaign = Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG)
            assert campaign.opens_at <= later < campaign.materials_deadline
            # it keeps the day it opened: no application made in it is dated before its opening
            assert campaign.opens_at == opened
            made = NodeApplication.objects.filter(campaign=campaign)
            assert all(application.created_at >= campaign.opens_at for application in made)
            assert all(
                application.submitted_at >= campaign.opens_at for application in made if application.submitted_at
            )
            entry.refresh_from_db()
            assert entry.stage == Stage.PUBLICITY
            assert later < entry.publicity_ends_at <= later + datetime.timedelta(days=campaign.publicity_days)
            task = ReviewTask.objects.get(application=entry, kind=TaskKind.PUBLICITY, status="open")
            assert task.due_at == entry.publicity_ends_at
            listed = client.get("/publicity/").content.decode()
            assert entry.title in listed and "公示中" in listed and "公示期满，待审定" not in listed
            assert timezone.localtime(later).date().isoformat() in listed  # the period starts today
            assert 'name="content"' in client.get(f"/publicity/{entry.reference}/").content.decode()
            assert demo_rows() == rows
