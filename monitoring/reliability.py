"""可靠性: a per-resource reliability figure from the node's own monitoring (issue 18, item 5).

``reliability_compute`` (the periodic task ``monitoring.tasks.reliability_compute``, hourly) stores one
``ResourceReliability`` row per compute resource:

- **online rate**: the share of *time* online in the last ``WINDOW_DAYS`` (30) days, weighted by how long
  each observed state lasted: every sample's state holds until the next sample of the resource (or until
  now), at most ``GAP_CAP`` (15 minutes, three missed 5-minute catalogue snapshots) — a longer silence is
  unobserved time and counts neither way. Samples come from status updates (through the change feed), a
  provider's metric pushes and the 5-minute catalogue snapshot, so their density varies with who pushes
  how often: a provider pushing every minute while online and nothing while offline would look better by
  counting samples than it was. Maintenance counts as not online;
- **unplanned outages**: samples whose state changed *to offline* in the window (a change to or from
  maintenance is planned and not counted);
- **figure** = online rate − ``OUTAGE_PENALTY`` points per unplanned outage (at most ``MAX_PENALTY``),
  never below 0 (basis "monitoring");
- with fewer than ``MIN_SAMPLES`` samples (or no observed time) the node does not know enough: the
  provider's reported SLA (``sla_availability_percent``) stands in (basis "sla"); without one the figure is
  unknown (null).

A resource whose figure changed is appended to the change feed (kind ``reliability``) in the same
transaction, so the selection index (both backends) and open pages follow it.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections, router, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Value, Window
from django.db.models.functions import Lead, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ComputeResource, RecordState
from catalog.snapshots import RESOURCE
from changes.services import changes_append

from .metrics.periods import day_start
from .models import ResourceReliability, ResourceSample

WINDOW_DAYS = 30
MIN_SAMPLES = 12  # an hour of 5-minute snapshots
GAP_CAP = datetime.timedelta(minutes=15)  # the longest a sample's state is taken to last without another sample
OUTAGE_PENALTY = Decimal(1)  # points per unplanned outage
MAX_PENALTY = Decimal(20)
BATCH = 2000
CENT = Decimal("0.01")
UPDATED = [
    "score_percent",
    "basis",
    "online_rate_percent",
    "samples",
    "unplanned_changes",
    "sla_percent",
    "computed_at",
]


@dataclass(frozen=True)
class Figure:
    score: Decimal | None
    basis: str
    online_rate: Decimal | None
    samples: int
    unplanned: int
    sla: Decimal | None


def reliability_figure(
    *, samples: int, online_seconds: float, observed_seconds: float, unplanned: int, sla: Decimal | None
) -> Figure:
    """The figure of one resource from its window's sums (a pure function: the rules above)."""
    rate = None
    if observed_seconds > 0:
        rate = (Decimal(online_seconds) * 100 / Decimal(observed_seconds)).quantize(CENT, rounding=ROUND_HALF_UP)
    if samples >= MIN_SAMPLES and rate is not None:
        penalty = min(MAX_PENALTY, OUTAGE_PENALTY * unplanned)
        score = max(Decimal(0), rate - penalty).quantize(CENT)
        return Figure(score, ResourceReliability.Basis.MONITORING, rate, samples, unplanned, sla)
    if sla is not None:
        return Figure(Decimal(sla).quantize(CENT), ResourceReliability.Basis.SLA, rate, samples, unplanned, sla)
    return Figure(None, "", rate, samples, unplanned, sla)


def _seconds(value) -> float:
    """A summed duration as the database returns it: an interval (PostgreSQL) or microseconds (SQLite)."""
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000


def online_time(*, since: datetime.datetime, now: datetime.datetime) -> dict[int, tuple[int, float, float]]:
    """Per resource: (samples, online seconds, observed seconds) of the window, time-weighted.

    Each sample's span runs to the resource's next sample (LEAD over the samples by time; the last one's to
    ``now``), capped at ``GAP_CAP``. The spans come from the ORM (a window expression, portable between SQLite
    and PostgreSQL); grouping over a window needs a derived table, so the outer sum is a plain SELECT around it.
    """
    span = Least(
        ExpressionWrapper(F("next_at") - F("sampled_at"), output_field=DurationField()),
        Value(GAP_CAP, output_field=DurationField()),
    )
    spans = (
        ResourceSample.objects.filter(sampled_at__gte=since, sampled_at__lt=now)
        .order_by()
        .annotate(
            next_at=Window(
                Lead("sampled_at", default=Value(now)), partition_by=[F("resource_id")], order_by=F("sampled_at").asc()
            )
        )
        .annotate(span=span)
        .values_list("resource_id", "state", "span")
    )
    inner, params = spans.query.sql_with_params()
    sql = (
        "SELECT spans.resource_id, COUNT(*), SUM(CASE WHEN spans.state = %s THEN spans.span END), SUM(spans.span) "
        f"FROM ({inner}) spans GROUP BY spans.resource_id"
    )
    connection = connections[router.db_for_read(ResourceSample)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [RecordState.ONLINE.value, *params])
        return {pk: (int(count), _seconds(online), _seconds(observed)) for pk, count, online, observed in cursor}


def _window_start(now: datetime.datetime) -> datetime.datetime:
    return day_start(now - datetime.timedelta(days=WINDOW_DAYS - 1))


def reliability_compute(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Compute and store every compute resource's figure; returns how many rows were written and changed."""
    now = now or timezone.now()
    since = _window_start(now)
    times = online_time(since=since, now=now)
    outages = dict(
        ResourceSample.objects.filter(sampled_at__gte=since, state_changed=True, state=RecordState.OFFLINE)
        .order_by()
        .values("resource_id")
        .annotate(n=Count("pk"))
        .values_list("resource_id", "n")
    )
    resources = list(ComputeResource.objects.order_by("pk").values_list("pk", "sla_availability_percent"))
    written = changed = 0
    for start in range(0, len(resources), BATCH):
        chunk = resources[start : start + BATCH]
        with transaction.atomic():
            current = {
                row.pk: row for row in ResourceReliability.objects.filter(resource_id__in=[pk for pk, _sla in chunk])
            }
            moved, rows = [], []
            for pk, sla in chunk:
                samples, online_seconds, observed_seconds = times.get(pk, (0, 0.0, 0.0))
                figure = reliability_figure(
                    samples=samples,
                    online_seconds=online_seconds,
                    observed_seconds=observed_seconds,
                    unplanned=int(outages.get(pk, 0)),
                    sla=sla,
                )
                rows.append(
                    ResourceReliability(
                        resource_id=pk,
                        score_percent=figure.score,
                        basis=figure.basis,
                        online_rate_percent=figure.online_rate,
                        samples=figure.samples,
                        unplanned_changes=figure.unplanned,
                        sla_percent=figure.sla,
                        computed_at=now,
                    )
                )
                old = current.get(pk)
                if (None if old is None else old.score_percent) != figure.score:  # unknown stays unknown: quiet
                    moved.append(pk)
            ResourceReliability.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["resource"], update_fields=UPDATED
            )
            written += len(rows)
            if moved:
                changes_append(record_type=RESOURCE, record_ids=moved, kind="reliability", fields=("reliability",))
            changed += len(moved)
    return {"resources": written, "changed": changed}


def reliability_of(*, resource_id: int) -> ResourceReliability | None:
    return ResourceReliability.objects.filter(resource_id=resource_id).first()


def reliability_explanation(reliability: ResourceReliability | None) -> str:
    """One sentence on how the figure came about (record pages, matching explanations)."""
    if reliability is None or reliability.score_percent is None:
        return _("暂无监测数据，也未填报 SLA。")
    if reliability.basis == ResourceReliability.Basis.SLA:
        return _("监测数据不足（30 天采样 %(samples)d 次），按服务商承诺 SLA %(sla)s%% 计。") % {
            "samples": reliability.samples,
            "sla": reliability.sla_percent,
        }
    text = _(
        "近 30 天在线率 %(rate)s%%（按各状态持续时长计），非计划离线 %(outages)d 次（每次扣 %(penalty)s 分）。"
    ) % {
        "rate": "—" if reliability.online_rate_percent is None else reliability.online_rate_percent,
        "outages": reliability.unplanned_changes,
        "penalty": OUTAGE_PENALTY,
    }
    if reliability.sla_percent is not None:
        met = reliability.online_rate_percent is not None and reliability.online_rate_percent >= reliability.sla_percent
        text += " " + (_("达到承诺 SLA %(sla)s%%。") if met else _("未达到承诺 SLA %(sla)s%%。")) % {
            "sla": reliability.sla_percent
        }
    return text
