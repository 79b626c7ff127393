"""The status people read for an onboarding process (申请记录 and the process page), from one selector, and the list
of processes reads what that status needs with the processes (no query per row)."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override
from viewflow.workflow import STATUS

from workflows.onboarding.flows import ResellerQualificationFlow
from workflows.onboarding.selectors import process_list_for_user, process_status_label

from .test_qualification_revoke import granted  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def _process(status, decision="", qualification=None):
    request = SimpleNamespace(decision=decision)
    if qualification is not None:
        request.qualification = qualification
    return SimpleNamespace(status=status, request=request)


@pytest.mark.parametrize(
    ("process", "label"),
    [
        (_process(STATUS.NEW), "办理中"),
        (_process(STATUS.NEW, "return"), "退回补充材料"),
        (_process(STATUS.DONE, "reject"), "未通过"),
        (_process(STATUS.DONE, "approve"), "已通过"),  # a provider's or a line's: no qualification
        (_process(STATUS.DONE, "approve", SimpleNamespace(revoked_at=None)), "已通过"),
        (_process(STATUS.DONE, "approve", SimpleNamespace(revoked_at=timezone.now())), "已通过，资格已撤销"),
        (_process(STATUS.CANCELED), "已取消"),
    ],
)
def test_each_state_has_its_label(process, label):
    assert process_status_label(process=process) == label


def test_the_english_label_of_a_revoked_grant():
    process = _process(STATUS.DONE, "approve", SimpleNamespace(revoked_at=timezone.now()))
    with override("en"):
        assert process_status_label(process=process) == "Approved; qualification revoked"


def test_the_list_reads_the_qualification_with_the_processes(granted):  # noqa: F811
    operator, _reseller, _process_, qualification = granted
    qualification.revoked_at = timezone.now() - datetime.timedelta(minutes=1)
    qualification.save(update_fields=["revoked_at"])
    assert operator.has_perm("onboarding.certify")  # the operator's permissions, read once and cached on the user
    with CaptureQueriesContext(connection) as queries:
        labels = [
            process_status_label(process=process)
            for process in process_list_for_user(user=operator, flow_class=ResellerQualificationFlow)
        ]
    assert labels == ["已通过，资格已撤销"]
    assert len(queries) == 1, [query["sql"][:120] for query in queries]  # processes, applications, qualifications
