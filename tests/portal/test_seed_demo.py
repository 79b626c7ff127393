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
