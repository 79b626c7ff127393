"""Flow 7 roll-ups: hourly and daily rows in Asia/Shanghai, computed incrementally; retention."""

import datetime

import pytest

from monitoring.metrics import selectors
from monitoring.metrics.rollup import RollupResult, metrics_prune, resource_rollup, resource_rollup_rebuild
from monitoring.models import BUCKET_SUMS, Granularity, ResourceRollup, ResourceRollupPending, ResourceSample

from .metrics_helpers import a100_resource, push, sh

pytestmark = pytest.mark.django_db


def _series(granularity, start, end, **filters):
    scope = selectors.MetricScope(granularity=granularity, start=start, end=end, **filters)
    return {row["period_start"]: row for row in selectors.resource_series(scope=scope)}


@pytest.fixture
def chengdu():
    return a100_resource()  # 4 nodes × 8 = 32 cards, Sichuan


def test_hours_and_days_follow_shanghai_boundaries(chengdu):
    # 23:xx on 1 March and 00:xx on 2 March in Shanghai are 15:xx and 16:xx UTC on the same UTC day
    push(chengdu, (sh(2026, 3, 1, 23, 10), 16), (sh(2026, 3, 1, 23, 50), 8))
    push(chengdu, (sh(2026, 3, 2, 0, 5), 32), (sh(2026, 3, 2, 0, 55), 0, "maintenance"))
    result = resource_rollup()
    assert (result.samples, result.hours, result.days) == (4, 2, 2)

    hours = _series(Granularity.HOUR, sh(2026, 3, 1, 23), sh(2026, 3, 2, 1))
    assert list(hours) == [sh(2026, 3, 1, 23), sh(2026, 3, 2, 0)]
    late, early = hours[sh(2026, 3, 1, 23)], hours[sh(2026, 3, 2, 0)]
    assert (late["installed_cards"], late["available_cards"], late["utilisation_percent"]) == (32, 12, 62.5)
    assert (late["online_rate_percent"], late["state_changes"]) == (100.0, 0)
    assert (early["available_cards"], early["utilisation_percent"], early["online_rate_percent"]) == (16, 50.0, 50.0)
    assert early["state_changes"] == 1
    assert (early["installed_fp16_pflops"], early["installed_fp32_pflops"], early["installed_fp64_pflops"]) == (
        9.984,
        0.624,
        0.3104,
    )
    assert early["available_fp16_pflops"] == 4.992

    days = _series(Granularity.DAY, sh(2026, 3, 1), sh(2026, 3, 3))
    assert list(days) == [sh(2026, 3, 1), sh(2026, 3, 2)]
    assert (days[sh(2026, 3, 1)]["samples"], days[sh(2026, 3, 1)]["available_cards"]) == (2, 12)
    assert (days[sh(2026, 3, 2)]["samples"], days[sh(2026, 3, 2)]["available_cards"]) == (2, 16)
    assert days[sh(2026, 3, 2)]["state_changes"] == 1


def test_rollup_is_incremental_and_counts_a_late_sample(chengdu):
    push(chengdu, (sh(2026, 3, 1, 23, 10), 16), (sh(2026, 3, 1, 23, 50), 8), (sh(2026, 3, 2, 0, 5), 32))
    resource_rollup()
    assert resource_rollup().samples == 0  # nothing new: nothing read
    untouched = ResourceRollup.objects.get(granularity=Granularity.DAY, period_start=sh(2026, 3, 2))

    push(chengdu, (sh(2026, 3, 1, 23, 30), 0))  # arrives late, for an hour already rolled up
    result = resource_rollup()
    assert (result.samples, result.hours, result.days) == (1, 1, 1)
    hours = _series(Granularity.HOUR, sh(2026, 3, 1, 23), sh(2026, 3, 2))
    assert (hours[sh(2026, 3, 1, 23)]["samples"], hours[sh(2026, 3, 1, 23)]["available_cards"]) == (3, 8)
    day = _series(Granularity.DAY, sh(2026, 3, 1), sh(2026, 3, 2))[sh(2026, 3, 1)]
    assert (day["samples"], day["available_cards"]) == (3, 8)
    # the other day was not rewritten
    assert ResourceRollup.objects.get(granularity=Granularity.DAY, period_start=sh(2026, 3, 2)).pk == untouched.pk


def test_breakdown_by_province_class_and_provider(chengdu):
    hebei = a100_resource(city="130100", nodes=2, external_id="A100-HB")  # 16 cards
    push(chengdu, (sh(2026, 3, 2, 10, 0), 16), (sh(2026, 3, 2, 11, 0), 16))
    push(hebei, (sh(2026, 3, 2, 10, 30), 4))
    resource_rollup()
    scope = selectors.day_scope(datetime.date(2026, 3, 2))
    by_province = {row["key"]: row for row in selectors.resource_breakdown(scope=scope, group="province")}
    assert {key: (row["installed_cards"], row["available_cards"]) for key, row in by_province.items()} == {
        "130000": (16, 4),
        "510000": (32, 16),
    }
    total = selectors.resource_series(scope=scope)[0]
    assert (total["resources"], total["installed_cards"], total["available_cards"]) == (2, 48, 20)
    sichuan_only = selectors.resource_series(
        scope=selectors.day_scope(datetime.date(2026, 3, 2), province_code="510000")
    )
    assert sichuan_only[0]["installed_cards"] == 32
    own = selectors.resource_series(scope=selectors.day_scope(datetime.date(2026, 3, 2), provider_id=hebei.provider_id))
    assert own[0]["installed_cards"] == 16
    regulator = selectors.day_scope(datetime.date(2026, 3, 2), jurisdiction_prefix="13")
    assert [row["key"] for row in selectors.resource_breakdown(scope=regulator, group="province")] == ["130000"]


def test_prune_deletes_old_raw_samples_and_not_what_is_queued(chengdu, settings):
    settings.METRICS_RAW_RETENTION_DAYS = 35
    settings.METRICS_HOURLY_RETENTION_DAYS = 60
    push(chengdu, (sh(2026, 1, 10, 9, 0), 16), (sh(2026, 3, 1, 9, 0), 8))
    resource_rollup()
    push(chengdu, (sh(2026, 1, 10, 9, 30), 4))  # old, and not rolled up yet
    deleted = metrics_prune(now=sh(2026, 3, 20))
    assert deleted["resource_samples"] == 2
    assert deleted["hourly_rollups"] == 1  # January's hour; the daily row stays (kept forever)
    assert list(ResourceSample.objects.values_list("available_cards", flat=True)) == [8]
    resource_rollup()  # what was queued is still added, although its raw sample is gone
    day = ResourceRollup.objects.get(granularity=Granularity.DAY, period_start=sh(2026, 1, 10))
    assert (day.samples, day.available_cards_sum, day.available_cards_min) == (2, 20, 4)
    assert ResourceRollup.objects.filter(granularity=Granularity.DAY).count() == 2


def test_prune_cuts_raw_samples_at_a_whole_hour(chengdu, settings):
    settings.METRICS_RAW_RETENTION_DAYS = 35
    cutoff = sh(2026, 3, 20, 9, 40) - datetime.timedelta(days=35)  # 13 February 09:40
    push(chengdu, (sh(2026, 2, 13, 8, 50), 16), (sh(2026, 2, 13, 9, 10), 8), (sh(2026, 2, 13, 9, 50), 4))
    resource_rollup()
    assert metrics_prune(now=cutoff + datetime.timedelta(days=35))["resource_samples"] == 1
    assert sorted(ResourceSample.objects.values_list("available_cards", flat=True)) == [4, 8]


def test_rollup_does_not_depend_on_the_order_in_which_batches_commit(chengdu):
    # On PostgreSQL a transaction can commit after one that took later ids; the queue must not skip it.
    push(chengdu, (sh(2026, 3, 2, 10, 0), 16))
    push(chengdu, (sh(2026, 3, 2, 10, 20), 8))
    first_entry = ResourceRollupPending.objects.order_by("pk").first().pk
    resource_rollup()
    # what a transaction that had taken the earliest ids would commit only now: a sample and its sums
    ResourceSample.objects.create(
        resource=chengdu,
        sampled_at=sh(2026, 3, 2, 10, 40),
        hour=sh(2026, 3, 2, 10),
        source="push",
        installed_cards=32,
        available_cards=0,
        utilisation_percent=100.0,
        state="online",
    )
    ResourceRollupPending.objects.create(
        pk=first_entry,
        resource=chengdu,
        hour=sh(2026, 3, 2, 10),
        day=sh(2026, 3, 2),
        samples=1,
        online_samples=1,
        state_changes=0,
        installed_cards_sum=32,
        available_cards_sum=0,
        available_cards_min=0,
        utilisation_sum=100.0,
        utilisation_samples=1,
    )
    assert resource_rollup() == RollupResult(1, 1, 1)
    hour = ResourceRollup.objects.get(granularity=Granularity.HOUR, period_start=sh(2026, 3, 2, 10))
    day = ResourceRollup.objects.get(granularity=Granularity.DAY, period_start=sh(2026, 3, 2))
    assert (hour.samples, hour.available_cards_sum, day.samples, day.available_cards_min) == (3, 24, 3, 0)
    assert not ResourceRollupPending.objects.exists()
    # and the incremental rows are what a recomputation from the raw samples gives
    before = sorted(ResourceRollup.objects.values_list(*ROW))
    resource_rollup_rebuild()
    assert sorted(ResourceRollup.objects.values_list(*ROW)) == before


ROW = ("granularity", "period_start", *BUCKET_SUMS)


def test_rebuild_recomputes_every_rollup_from_the_raw_samples(chengdu):
    push(chengdu, (sh(2026, 3, 1, 23, 10), 16), (sh(2026, 3, 2, 0, 5), 32), (sh(2026, 3, 2, 0, 55), 0))
    resource_rollup()
    before = sorted(ResourceRollup.objects.values_list("granularity", "period_start", "samples", "available_cards_sum"))
    ResourceRollup.objects.all().delete()
    assert resource_rollup_rebuild() == RollupResult(3, 2, 2)
    after = sorted(ResourceRollup.objects.values_list("granularity", "period_start", "samples", "available_cards_sum"))
    assert after == before and len(after) == 4
