"""可靠性: a per-resource reliability figure from the node's own monitoring (issue 18, item 5).

``reliability_compute`` (the periodic task ``monitoring.tasks.reliability_compute``, hourly) stores one
``ResourceReliability`` row per compute resource:

- **online rate**: online samples over all samples of the last ``WINDOW_DAYS`` (30) days, read from the
  daily roll-ups (samples come from status updates through the change feed and the 5-minute catalogue
  snapshot, so the share of samples approximates the share of time); maintenance counts as not online;
- **unplanned outages**: samples whose state changed *to offline* in the window (a change to or from
  maintenance is planned and not counted);
- **figure** = online rate − ``OUTAGE_PENALTY`` points per unplanned outage (at most ``MAX_PENALTY``),
  never below 0 (basis "monitoring");
- with fewer than ``MIN_SAMPLES`` samples the node does not know enough: the provider's reported SLA
  (``sla_availability_percent``) stands in (basis "sla"); without one the figure is unknown (null).

A resource whose figure changed is appended to the change feed (kind ``reliability``) in the same
transaction, so the selection index (both backends) and open pages follow it.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ComputeResource, RecordState
from catalog.snapshots import RESOURCE
from changes.services import changes_append

from .metrics.periods import day_start
from .models import Granularity, ResourceReliability, ResourceRollup, ResourceSample

WINDOW_DAYS = 30
MIN_SAMPLES = 12  # an hour of 5-minute snapshots
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


def reliability_figure(*, samples: int, online: int, unplanned: int, sla: Decimal | None) -> Figure:
    """The figure of one resource from its window's counts (a pure function: the rules above)."""
    rate = None
    if samples:
        rate = (Decimal(online) * 100 / Decimal(samples)).quantize(CENT, rounding=ROUND_HALF_UP)
    if samples >= MIN_SAMPLES:
        penalty = min(MAX_PENALTY, OUTAGE_PENALTY * unplanned)
        score = max(Decimal(0), rate - penalty).quantize(CENT)
        return Figure(score, ResourceReliability.Basis.MONITORING, rate, samples, unplanned, sla)
    if sla is not None:
        return Figure(Decimal(sla).quantize(CENT), ResourceReliability.Basis.SLA, rate, samples, unplanned, sla)
    return Figure(None, "", rate, samples, unplanned, sla)


def _window_start(now: datetime.datetime) -> datetime.datetime:
    return day_start(now - datetime.timedelta(days=WINDOW_DAYS - 1))


def reliability_compute(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Compute and store every compute resource's figure; returns how many rows were written and changed."""
    now = now or timezone.now()
    since = _window_start(now)
    counts = {
        row["resource_id"]: row
        for row in ResourceRollup.objects.filter(granularity=Granularity.DAY, period_start__gte=since)
        .order_by()
        .values("resource_id")
        .annotate(n=Sum("samples"), online=Sum("online_samples"))
    }
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
                row = counts.get(pk) or {}
                figure = reliability_figure(
                    samples=int(row.get("n") or 0),
                    online=int(row.get("online") or 0),
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
    text = _("近 30 天在线率 %(rate)s%%，非计划离线 %(outages)d 次（每次扣 %(penalty)s 分）。") % {
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
