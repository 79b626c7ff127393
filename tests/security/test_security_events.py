"""The security events log: the service other apps call, the operators' page, and alerts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from security.models import SecurityAlert, SecurityEvent
from security.services import security_event_record


def test_record_takes_user_address_and_path_from_the_request(make_user):
    user = make_user("applicant")
    request = RequestFactory().get("/applications/42/", REMOTE_ADDR="203.0.113.7")
    request.user = user
    event = security_event_record(kind="access_denied", request=request, detail="application 42")
    assert (event.kind, event.user, event.username, event.ip_address, event.path, event.detail) == (
        "access_denied",
        user,
        user.username,
        "203.0.113.7",
        "/applications/42/",
        "application 42",
    )


def test_record_refuses_an_unknown_kind(db):
    with pytest.raises(ValueError):
        security_event_record(kind="nonsense")
    assert not SecurityEvent.objects.exists()


def test_alert_mails_the_operators_once_per_window(settings, operator, make_user, django_capture_on_commit_callbacks):
    make_user("node_operator", email="")  # an operator without an address is skipped
    settings.SECURITY_ALERT_THRESHOLDS = {"access_denied": (3, 10)}
    settings.SECURITY_ALERT_EMAILS = ["soc@node.invalid"]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            security_event_record(kind="access_denied", detail="x")
    assert mail.outbox == [] and not SecurityAlert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):  # the third passes the threshold; the next ones are in the same window
            security_event_record(kind="access_denied", detail="x")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["ops@node.invalid", "soc@node.invalid"]
    assert "越权访问被拒" in message.subject and "3" in message.subject
    alert = SecurityAlert.objects.get()
    assert (alert.kind, alert.event_count, alert.window_minutes) == ("access_denied", 3, 10)


def test_a_new_window_alerts_again(settings, operator, django_capture_on_commit_callbacks):
    settings.SECURITY_ALERT_THRESHOLDS = {"lockout": (2, 15)}
    with django_capture_on_commit_callbacks(execute=True):
        security_event_record(kind="lockout")
        security_event_record(kind="lockout")
    assert len(mail.outbox) == 1
    long_ago = timezone.now() - timedelta(minutes=16)
    SecurityEvent.objects.update(occurred_at=long_ago)
    SecurityAlert.objects.update(sent_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        security_event_record(kind="lockout")
    assert len(mail.outbox) == 1  # one event in the new window: below the threshold
    with django_capture_on_commit_callbacks(execute=True):
        security_event_record(kind="lockout")
    assert len(mail.outbox) == 2


def _event(kind, when, **fields):
    event = SecurityEvent.objects.create(kind=kind, **fields)
    SecurityEvent.objects.filter(pk=event.pk).update(occurred_at=when)
    return event


@pytest.fixture
def events(db):
    now = timezone.now()
    _event("login_failed", now, username="alice", ip_address="198.51.100.1", path="/accounts/login/")
    _event("login_failed", now, username="bob", ip_address="198.51.100.2", path="/cms/login/")
    _event("rate_limited", now, ip_address="198.51.100.3", path="/api/v1/divisions/")
    _event("lockout", now - timedelta(days=3), username="alice", ip_address="198.51.100.1")


def test_dashboard_lists_filters_and_counts(operator_client, events):
    body = operator_client.get("/security/").content.decode()
    assert body.count('class="event ') == 4
    assert 'data-kind="login_failed">2<' in body  # last 24 hours
    assert 'data-kind="lockout">0<' in body

    body = operator_client.get("/security/", {"kind": "login_failed"}).content.decode()
    assert body.count('class="event ') == 2

    body = operator_client.get("/security/", {"q": "alice"}).content.decode()
    assert body.count('class="event ') == 2

    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    body = operator_client.get("/security/", {"date_from": three_days_ago, "date_to": three_days_ago}).content.decode()
    assert body.count('class="event event-lockout"') == 1 and body.count('class="event ') == 1


def test_dashboard_rejects_a_reversed_date_range_and_shows_everything(operator_client, events):
    response = operator_client.get("/security/", {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert response.content.decode().count('class="event ') == 4


def test_dashboard_is_404_for_everyone_but_operators(client, make_user, events):
    assert client.get("/security/").status_code == 404
    for role in ("applicant", "provider", "municipal_reviewer", "ministry_reviewer", "editor", "approver"):
        client.force_login(make_user(role))
        assert client.get("/security/").status_code == 404
        assert client.get("/en/security/").status_code == 404


def test_dashboard_in_english(operator_client, events):
    response = operator_client.get("/en/security/")
    assert response.status_code == 200
