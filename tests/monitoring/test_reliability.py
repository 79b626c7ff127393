"""The per-resource reliability figure (monitoring/reliability.py): the rules, the periodic computation
from real samples and roll-ups, the change feed that carries it to selection, and the record page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from changes.models import Change
from monitoring.metrics.rollup import resource_rollup
from monitoring.models import ResourceReliability
from monitoring.reliability import MIN_SAMPLES, reliability_compute, reliability_figure
from search.backends import reset_backends
from search.backends.database import DatabaseBackend
from search.query import ComputeQuery
from tests.monitoring.metrics_helpers import a100_resource, push, sh

pytestmark = pytest.mark.django_db


def _figure(*, samples: int, online: int, unplanned: int, sla):
    """The rules on evenly spaced samples (a minute each): then time and sample count agree."""
    return reliability_figure(
        samples=samples, online_seconds=60.0 * online, observed_seconds=60.0 * samples, unplanned=unplanned, sla=sla
    )


def test_the_rules_online_rate_less_a_point_per_outage_capped_or_the_sla_while_monitoring_is_thin():
    steady = _figure(samples=1000, online=995, unplanned=2, sla=Decimal("99.9"))
    assert (steady.score, steady.basis, steady.online_rate) == (Decimal("97.50"), "monitoring", Decimal("99.50"))
    flapping = _figure(samples=100, online=100, unplanned=50, sla=None)
    assert flapping.score == Decimal("80.00")  # the penalty stops at 20 points
    down = _figure(samples=100, online=5, unplanned=30, sla=None)
    assert down.score == Decimal("0.00")  # never below zero
    thin = _figure(samples=MIN_SAMPLES - 1, online=MIN_SAMPLES - 1, unplanned=0, sla=Decimal("99.5"))
    assert (thin.score, thin.basis) == (Decimal("99.50"), "sla")
    unknown = _figure(samples=0, online=0, unplanned=0, sla=None)
    assert (unknown.score, unknown.basis, unknown.online_rate) == (None, "", None)


def test_online_rate_is_weighted_by_time_in_each_state_not_by_sample_count():
    start = sh(2026, 11, 20, 0, 0)
    # chatty: pushes every minute while online (60 samples in the first hour), then only the 5-minute
    # snapshots see it offline for the second hour (12 samples). Counting samples: 60 / 72 = 83.33 %.
    chatty = a100_resource(external_id="CHATTY")
    push(chatty, *[(start + datetime.timedelta(minutes=m), 8, "online") for m in range(60)])
    push(chatty, *[(start + datetime.timedelta(minutes=60 + 5 * k), 0, "offline") for k in range(12)])
    # silent: one online sample, then nothing for 10 hours, then an hour offline in 5-minute samples. Without
    # the cap the lone sample would claim 10 hours online (600 / 660 = 90.91 %); capped it claims 15 minutes.
    silent = a100_resource(external_id="SILENT")
    push(silent, (start - datetime.timedelta(hours=9), 8, "online"))
    push(silent, *[(start + datetime.timedelta(hours=1, minutes=5 * k), 0, "offline") for k in range(12)])

    reliability_compute(now=start + datetime.timedelta(hours=2))

    chatty_row = ResourceReliability.objects.get(pk=chatty.pk)
    assert chatty_row.samples == 72
    assert chatty_row.online_rate_percent == Decimal("50.00")  # one hour of two
    counted = reliability_figure(samples=72, online_seconds=60, observed_seconds=72, unplanned=0, sla=None)
    assert counted.online_rate == Decimal("83.33")  # what counting samples said
    silent_row = ResourceReliability.objects.get(pk=silent.pk)
    assert silent_row.online_rate_percent == Decimal("20.00")  # 15 min online of 75 min observed
    assert silent_row.samples == 13 and silent_row.basis == "monitoring"


def _two_days(resource, *, offline_hours=(), maintenance_hours=()):
    start = sh(2026, 11, 20, 0, 0)
    samples = []
    for hour in range(48):
        state = "offline" if hour in offline_hours else "maintenance" if hour in maintenance_hours else "online"
        samples.append((start + datetime.timedelta(hours=hour), 8, state))
    push(resource, *samples)
    resource_rollup()


def test_computed_from_samples_planned_maintenance_is_not_an_outage_and_selection_follows(client):
    flaky = a100_resource(external_id="FLAKY", sla_availability_percent=Decimal("99.9"))
    steady = a100_resource(external_id="STEADY")
    new = a100_resource(external_id="NEW", sla_availability_percent=Decimal("99.5"))
    unknown = a100_resource(external_id="UNKNOWN")
    # flaky: 6 hours offline in two outages, 2 hours of planned maintenance; steady: always online
    _two_days(flaky, offline_hours={10, 11, 12, 30, 31, 32}, maintenance_hours={40, 41})
    _two_days(steady)
    backend = DatabaseBackend()
    backend.rebuild()
    before = Change.objects.filter(kind="reliability").count()

    result = reliability_compute(now=sh(2026, 11, 22, 1, 0))

    assert result == {"resources": 4, "changed": 3}  # the unknown one stays unknown: nothing to announce
    rows = {row.resource_id: row for row in ResourceReliability.objects.all()}
    assert (rows[flaky.pk].online_rate_percent, rows[flaky.pk].unplanned_changes) == (Decimal("83.33"), 2)
    assert (rows[flaky.pk].score_percent, rows[flaky.pk].basis) == (Decimal("81.33"), "monitoring")
    assert (rows[steady.pk].score_percent, rows[steady.pk].samples) == (Decimal("100.00"), 48)
    assert (rows[new.pk].score_percent, rows[new.pk].basis) == (Decimal("99.50"), "sla")
    assert rows[unknown.pk].score_percent is None
    assert set(Change.objects.filter(kind="reliability").values_list("record_id", flat=True)[before:]) == {
        flaky.pk,
        steady.pk,
        new.pk,
    }

    # the database backend reads the feed: a floor of 99 leaves the steady and the SLA-only resource, by price
    found = backend.search(ComputeQuery.from_params({"min_reliability": "99", "sort": "reliability"}))
    assert [hit["id"] for hit in found.results] == [steady.pk, new.pk]
    assert found.results[0]["reliability_percent"] == "100.00"

    # a second run with nothing new changes nothing and appends nothing
    again = reliability_compute(now=sh(2026, 11, 22, 2, 0))
    assert again == {"resources": 4, "changed": 0}

    # the record page says how the figure came about
    reset_backends()
    from catalog.services import identifier_issue

    code = identifier_issue(record=flaky, actor=None).code
    html = client.get(reverse("catalog:record-detail", kwargs={"code": code})).content.decode()
    assert "可靠性" in html and "81.33%" in html
    assert "近 30 天在线率 83.33%（按各状态持续时长计），非计划离线 2 次" in html and "未达到承诺 SLA 99.900%" in html


def test_samples_older_than_the_window_do_not_count():
    old = a100_resource(external_id="OLD")
    _two_days(old, offline_hours=set(range(1, 25)))  # one outage of 24 hours
    reliability_compute(now=sh(2026, 11, 22, 1, 0))
    assert ResourceReliability.objects.get(pk=old.pk).score_percent == Decimal("49.00")

    reliability_compute(now=sh(2027, 1, 10, 1, 0))  # seven weeks later: nothing left in the window
    row = ResourceReliability.objects.get(pk=old.pk)
    assert (row.score_percent, row.samples) == (None, 0)
