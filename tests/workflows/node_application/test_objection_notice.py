"""The ministry's reviewers are told when the public lodges an objection during publicity: once per objection, the
reviewers who handle that application's publicity task and nobody else, in their notifications and by e-mail."""

import pytest
from django.core import mail
from django.urls import reverse

from workflows.node_application import services
from workflows.node_application.models import Notification, TaskKind

from .factories import open_task, reviewer
from .test_publicity import _objection, _publicized

pytestmark = pytest.mark.django_db


def _notice_mail():
    return [m for m in mail.outbox if "收到公示异议" in m.subject]


def test_each_public_objection_mails_the_ministry_reviewers_once(
    client, hebei, people, django_capture_on_commit_callbacks
):
    p = people
    application = _publicized(hebei, p)
    p["ministry"].email = "ministry@miit.example"
    p["ministry"].save(update_fields=["email"])
    second = reviewer("ministry_reviewer", p["ministry"].authority, email="second@miit.example")
    # at the ministry but not one of its reviewers
    elsewhere = reviewer("expert", p["ministry"].authority, email="other@miit.example")
    inactive = reviewer("ministry_reviewer", p["ministry"].authority, email="gone@miit.example", is_active=False)
    mail.outbox.clear()
    detail = reverse("node_application:publicity_detail", args=[application.reference])
    task = open_task(application, TaskKind.PUBLICITY)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(detail, _objection()).status_code == 302
    [notice] = _notice_mail()
    assert sorted(notice.to) == sorted([p["ministry"].email, second.email])
    assert application.reference in notice.subject
    assert reverse("node_application:task", args=[task.pk]) in notice.body and "李异议" in notice.body
    assert "0311-87654321" not in notice.body  # contact details are read on the task page
    assert Notification.objects.filter(application=application, message__contains="公众异议").count() == 2
    for nobody in (elsewhere, inactive, p["hb_comms"], p["applicant_hebei"]):
        assert not Notification.objects.filter(user=nobody, message__contains="公众异议").exists()

    # a second objection: a second notice; one recorded by the ministry itself: none
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(detail, _objection(name="张某")).status_code == 302
        services.objection_lodge(application=application, actor=p["ministry"], lodged_by="来信", content="来信反映。")
    assert len(_notice_mail()) == 2 and "张某" in _notice_mail()[1].body
