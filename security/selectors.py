"""Security reads (system F) for the operators' pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import RiskAssessment, SecurityEvent, VulnerabilityScan


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def security_event_list(
    *, kind: str = "", date_from: date | None = None, date_to: date | None = None, query: str = ""
) -> QuerySet[SecurityEvent]:
    """Events, newest first; dates are whole days in the node's time zone (Asia/Shanghai)."""
    events = SecurityEvent.objects.select_related("user")
    if kind:
        events = events.filter(kind=kind)
    if date_from:
        events = events.filter(occurred_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(occurred_at__lt=_day_start(date_to + timedelta(days=1)))
    if query:
        events = events.filter(
            Q(username__icontains=query) | Q(ip_address__startswith=query) | Q(path__icontains=query)
        )
    return events


def security_event_counts(*, events: QuerySet[SecurityEvent]) -> list[dict]:
    """[{kind, label, count}] for every kind (zeros included), in the order of SecurityEvent.Kind."""
    counts = dict(events.order_by().values_list("kind").annotate(n=Count("pk")))
    return [
        {"kind": kind.value, "label": kind.label, "count": counts.get(kind.value, 0)} for kind in SecurityEvent.Kind
    ]


def login_lockouts_active() -> QuerySet[AccessAttempt]:
    """Login attempts currently locked out (limit reached and still inside the cool-off time)."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cooloff)
    return attempts.order_by("-attempt_time")


def risk_assessment_list() -> QuerySet[RiskAssessment]:
    return RiskAssessment.objects.select_related("owner").order_by("status", "review_on", "pk")


def vulnerability_scan_recent(*, limit: int = 5) -> list[VulnerabilityScan]:
    return list(
        VulnerabilityScan.objects.annotate(finding_count=Count("findings")).order_by("-started_at", "-pk")[:limit]
    )
