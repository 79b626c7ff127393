"""Daily operation reports to the national node (flows 7–10 upward), and receiving them there.

Format (``schema_version`` 1; every field is listed in the README section "Operation monitoring")::

    {"schema_version": 1, "report": "daily_operation", "date": "2026-03-02", "timezone": "Asia/Shanghai",
     "node": {"prefix", "role", "name"}, "period": {"start", "end"}, "generated_at",
     "resource": {...}, "platform": {...}, "scheduling": {...} | null, "application": {...}}

``nodes`` (a regional node): the reports its industry nodes sent it for that day, one entry each
(``prefix``, ``name``, ``role`` and their ``resource``, ``platform``, ``scheduling``, ``application``
sections as received); the national aggregate counts them under the regional node (per-node breakdown).

A regional or industry node queues one report per local day through the federation outbox (idempotency key
``operation_report:<prefix>:<date>``); a national node keeps one per (node, date): a re-delivery
with the same key changes nothing, a corrected report (``metrics_report --resend``) replaces it.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from federation.selectors import node_prefix
from federation.services import outbox_enqueue

from .metrics import selectors
from .metrics.collectors import scheduling_available
from .metrics.periods import day_start, local_zone, period_end
from .models import Granularity, ReceivedReport

SCHEMA_VERSION = 1
REPORT_KIND = "operation_report"
REPORT_PATH = "/api/v1/federation/reports/operations/"

PLATFORM_COUNTS = (
    "organizations_registered",
    "users_registered",
    "providers_applied",
    "providers_certified",
    "identifiers_issued",
    "identifiers_filed",
    "identifier_resolutions",
    "identifier_resolutions_ok",
    "api_requests",
    "api_client_errors",
    "api_server_errors",
)
SCHEDULING_COUNTS = (
    "demands",
    "matches_offered",
    "matches_accepted",
    "matches_confirmed",
    "matches_declined",
    "orders_confirmed",
    "orders_cancelled",
    "holds_expired",
)
SCHEDULING_CROSS = "matches_confirmed_cross_province"
APPLICATION_COUNTS = ("app_services_new", "app_calls", "app_users", "usage_card_hours", "usage_amount_yuan")
RESOURCE_FIELDS = ("resources", "installed_cards", "available_cards", "utilisation_percent", "online_rate_percent")


def _round(value, digits: int = 4):
    return None if value is None else round(float(value), digits)


def _percent(part: float, whole: float):
    return round(100.0 * part / whole, 2) if whole else None


def _resource_entry(row: dict) -> dict:
    entry = {name: _round(row.get(name)) for name in RESOURCE_FIELDS}
    entry["resources"] = int(round(row.get("resources") or 0))
    entry["state_changes"] = int(row.get("state_changes") or 0)
    entry["installed_pflops"] = {p: _round(row.get(f"installed_{p}_pflops") or 0) for p in ("fp16", "fp32", "fp64")}
    entry["available_pflops"] = {p: _round(row.get(f"available_{p}_pflops") or 0) for p in ("fp16", "fp32", "fp64")}
    return entry


def _resource_section(scope) -> dict:
    rows = selectors.resource_series(scope=scope)
    section = _resource_entry(rows[0] if rows else {"resources": 0, "installed_cards": 0, "available_cards": 0})
    section["by_province"] = [
        {"province_code": row["key"], **_resource_entry(row)}
        for row in selectors.resource_breakdown(scope=scope, group="province")
    ]
    section["by_class"] = [
        {"resource_class": row["key"], **_resource_entry(row)}
        for row in selectors.resource_breakdown(scope=scope, group="class")
    ]
    return section


def _counts(scope, names) -> dict:
    return {name: int(selectors.metric_sum(scope=scope, name=name)[0]) for name in names}


def _average(scope, name: str, divisor: float):
    total, count = selectors.metric_sum(scope=scope, name=name)
    return round(total / count / divisor, 3) if count else None


def report_build(*, day: datetime.date) -> dict:
    """The report of one local day, from the roll-ups (run ``metrics_rollup`` first)."""
    from catalog.models import AppService, ListingState

    scope = selectors.day_scope(day)
    platform = _counts(scope, PLATFORM_COUNTS)
    platform["certification_hours_avg"] = _average(scope, "certification_seconds", 3600)
    platform["resolution_success_percent"] = _percent(
        platform["identifier_resolutions_ok"], platform["identifier_resolutions"]
    )
    platform["api_error_percent"] = _percent(platform["api_server_errors"], platform["api_requests"])
    platform["api_latency_ms_avg"] = _average(scope, "api_latency_seconds", 0.001)
    scheduling = None
    if scheduling_available():
        scheduling = _counts(scope, SCHEDULING_COUNTS)
        cross = int(selectors.metric_sum(scope=scope, name=SCHEDULING_CROSS)[0])
        scheduling["cross_province_confirmed"] = cross
        scheduling["cross_province_percent"] = _percent(cross, scheduling["matches_confirmed"])
        scheduling["confirm_minutes_avg"] = _average(scope, "confirm_seconds", 60)
    application = _counts(scope, APPLICATION_COUNTS)
    application["app_services_listed"] = AppService.objects.filter(
        listing_state=ListingState.APPROVED, created_at__lt=scope.end
    ).count()
    return {
        "schema_version": SCHEMA_VERSION,
        "report": "daily_operation",
        "date": day.isoformat(),
        "timezone": settings.TIME_ZONE,
        "node": {"prefix": node_prefix(), "role": settings.NODE_ROLE, "name": settings.NODE_NAME},
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "generated_at": timezone.now().astimezone(local_zone()).isoformat(timespec="seconds"),
        "resource": _resource_section(scope),
        "platform": platform,
        "scheduling": scheduling,
        "application": application,
        "nodes": _below(day),
    }


def _below(day: datetime.date) -> list[dict]:
    """The reports the nodes below this one sent for ``day`` (an industry node has none)."""
    if settings.NODE_ROLE != "regional":
        return []
    return [
        {
            "prefix": report.node_prefix,
            "name": report.node_name,
            "role": (report.payload.get("node") or {}).get("role", "industry"),
            **{name: report.payload.get(name) for name in ("resource", "platform", "scheduling", "application")},
        }
        for report in ReceivedReport.objects.filter(report_date=day).order_by("node_prefix")
    ]


def report_enqueue(*, day: datetime.date, resend: bool = False):
    """Queue the day's report for the national node (once per day; ``resend`` queues a correction)."""
    from federation.models import OutboxMessage

    key = f"{REPORT_KIND}:{node_prefix()}:{day.isoformat()}"
    if resend:
        key += f":r{timezone.now():%Y%m%d%H%M%S%f}"
    else:
        queued = OutboxMessage.objects.filter(idempotency_key=key).first()
        if queued is not None:  # already queued (every metrics_rollup run asks): do not build it again
            return queued
    return outbox_enqueue(kind=REPORT_KIND, idempotency_key=key, path=REPORT_PATH, payload=report_build(day=day))


def report_enqueue_due(*, now: datetime.datetime | None = None):
    """Yesterday's report, queued once (called by ``metrics_rollup``); not on a national node."""
    if settings.NODE_ROLE == "national":
        return None
    now = now or timezone.now()
    yesterday = day_start(now).date() - datetime.timedelta(days=1)
    return report_enqueue(day=yesterday)


# --- national node --------------------------------------------------------------------------------


class ReportRejected(ValueError):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def report_validate(payload) -> tuple[str, datetime.date]:
    errors: dict[str, list[str]] = {}
    if not isinstance(payload, dict):
        raise ReportRejected({"non_field_errors": ["报告应为 JSON 对象。"]})
    if payload.get("schema_version") != SCHEMA_VERSION:
        errors["schema_version"] = [f"不支持的格式版本（应为 {SCHEMA_VERSION}）。"]
    node = payload.get("node") if isinstance(payload.get("node"), dict) else {}
    prefix = node.get("prefix")
    if not isinstance(prefix, str) or not prefix or len(prefix) > 40:
        errors["node.prefix"] = ["缺少节点前缀。"]
    try:
        day = datetime.date.fromisoformat(payload.get("date") or "")
    except (TypeError, ValueError):
        errors["date"] = ["日期格式应为 YYYY-MM-DD。"]
        day = None
    for section in ("resource", "platform", "application"):
        if not isinstance(payload.get(section), dict):
            errors[section] = ["缺少该部分。"]
    if errors:
        raise ReportRejected(errors)
    return prefix, day


@transaction.atomic
def report_receive(*, payload: dict, idempotency_key: str) -> tuple[ReceivedReport, str]:
    """Record a report: ("created" | "replaced" | "duplicate"). Raises ReportRejected on bad content."""
    prefix, day = report_validate(payload)
    existing = ReceivedReport.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, "duplicate"
    report = ReceivedReport.objects.select_for_update().filter(node_prefix=prefix, report_date=day).first()
    fields = {
        "node_name": str(payload["node"].get("name", ""))[:128],
        "schema_version": payload["schema_version"],
        "idempotency_key": idempotency_key,
        "payload": payload,
        "received_at": timezone.now(),
    }
    if report is None:
        return ReceivedReport.objects.create(node_prefix=prefix, report_date=day, **fields), "created"
    for name, value in fields.items():
        setattr(report, name, value)
    report.deliveries += 1
    report.save()
    return report, "replaced"


def national_aggregate(*, day: datetime.date) -> dict:
    """The view of one day over the reports received (on a national node: the regional nodes' and, inside
    them, their industry nodes'; on a regional node: its industry nodes'): totals, per node, by province."""
    reports = list(ReceivedReport.objects.filter(report_date=day).order_by("node_prefix"))
    totals: dict = defaultdict(float)
    weighted = defaultdict(float)
    provinces: dict = defaultdict(lambda: defaultdict(float))
    # each report, and the reports of the nodes below it that a regional node passed on (``nodes``)
    sections = [report.payload for report in reports] + [
        below for report in reports for below in report.payload.get("nodes") or []
    ]
    for payload in sections:
        resource, platform = payload.get("resource") or {}, payload.get("platform") or {}
        for name in ("resources", "installed_cards", "available_cards", "state_changes"):
            totals[name] += resource.get(name) or 0
        for precision in ("fp16", "fp32", "fp64"):
            totals[f"installed_{precision}_pflops"] += (resource.get("installed_pflops") or {}).get(precision) or 0
        cards, count = resource.get("installed_cards") or 0, resource.get("resources") or 0
        if resource.get("utilisation_percent") is not None:
            weighted["utilisation"] += resource["utilisation_percent"] * cards
            weighted["utilisation_cards"] += cards
        if resource.get("online_rate_percent") is not None:
            weighted["online"] += resource["online_rate_percent"] * count
            weighted["online_resources"] += count
        for name in PLATFORM_COUNTS:
            totals[name] += platform.get(name) or 0
        for name in APPLICATION_COUNTS + ("app_services_listed",):
            totals[name] += (payload.get("application") or {}).get(name) or 0
        for name in SCHEDULING_COUNTS:
            totals[name] += (payload.get("scheduling") or {}).get(name) or 0
        for row in resource.get("by_province", []):
            entry = provinces[row["province_code"]]
            for name in ("resources", "installed_cards", "available_cards"):
                entry[name] += row.get(name) or 0
    result = {name: round(value, 4) for name, value in totals.items()}
    result["utilisation_percent"] = (
        round(weighted["utilisation"] / weighted["utilisation_cards"], 2) if weighted["utilisation_cards"] else None
    )
    result["online_rate_percent"] = (
        round(weighted["online"] / weighted["online_resources"], 2) if weighted["online_resources"] else None
    )
    result["resolution_success_percent"] = _percent(
        totals["identifier_resolutions_ok"], totals["identifier_resolutions"]
    )
    return {
        "date": day.isoformat(),
        "nodes": [
            {
                "prefix": r.node_prefix,
                "name": r.node_name,
                "received_at": r.received_at,
                "deliveries": r.deliveries,
                "resource": r.payload["resource"],
                "platform": r.payload["platform"],
                "via": "",
            }
            for r in reports
        ]
        + [
            {
                "prefix": below.get("prefix", ""),
                "name": below.get("name", ""),
                "received_at": r.received_at,
                "deliveries": r.deliveries,
                "resource": below.get("resource") or {},
                "platform": below.get("platform") or {},
                "via": r.node_prefix,
            }
            for r in reports
            for below in r.payload.get("nodes") or []
        ],
        "totals": result,
        "by_province": [
            {"province_code": code, **{k: round(v, 4) for k, v in values.items()}}
            for code, values in sorted(provinces.items())
        ],
    }


def report_window(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = day_start(day)
    return start, period_end(start, Granularity.DAY)
