import pytest
from auditlog.models import LogEntry
from viewflow.workflow.models import Process, Task

from catalog import demo as catalog_demo
from organizations import demo as organizations_demo
from organizations.models import User
from workflows.onboarding import demo, selectors
from workflows.onboarding.flows import FLOWS
from workflows.onboarding.models import ResellerQualification

pytestmark = pytest.mark.django_db


def test_demo_processes_wait_for_the_operator_and_seeding_twice_adds_nothing():
    organizations_demo.seed()
    catalog_demo.seed()
    assert len(demo.seed()) == 3
    counts = [model.objects.count() for model in (Process, Task, ResellerQualification, LogEntry)]
    operator = User.objects.get(username="operator")
    tasks = selectors.task_list_for_user(user=operator, flow_classes=FLOWS.values())
    assert sorted(task.flow_task.name for task in tasks) == ["approve", "certify"]
    reseller = User.objects.get(username="reseller").organization.provider
    assert selectors.reseller_is_qualified(provider=reseller)
    # nobody but the operator sees those tasks
    provider = User.objects.get(username="provider")
    assert selectors.task_list_for_user(user=provider, flow_classes=FLOWS.values()) == []
    assert demo.seed() == ["onboarding: demo processes already there"]
    assert [model.objects.count() for model in (Process, Task, ResellerQualification, LogEntry)] == counts
