"""``POST /api/v1/provider/metrics/``: providers push resource samples and application use in batches.

Idempotent per (resource, sampled_at) and (app service, sampled_at): a re-sent batch is counted as
duplicates and changes nothing. A record that is not the key's provider's is a 404 for the whole
batch (nothing stored); any invalid field is a 400 naming the item and field (nothing stored).
Validation is a plain loop rather than a nested serializer: it is the node's hottest write path.
"""

import datetime
import math

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.authentication import HasProviderApiKey, ProviderApiKeyAuthentication
from catalog.models import AppService, ComputeResource, ListingState, RecordState

from .ingest import app_samples_ingest, resource_samples_ingest
from .periods import local_zone

MAX_BATCH = 5000
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
STATES = set(RecordState.values)


def _moment(value, now) -> tuple[datetime.datetime | None, str]:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return None, _("请使用 ISO 8601 时间，如 2026-03-02T10:05:00+08:00。")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=local_zone())
    if moment > now + FUTURE_TOLERANCE:
        return None, _("采样时间不能晚于当前时间。")
    if moment < now - datetime.timedelta(days=settings.METRICS_RAW_RETENTION_DAYS):
        return None, _("采样时间早于保留期（%(days)s 天）。") % {"days": settings.METRICS_RAW_RETENTION_DAYS}
    return moment, ""


def _count(value, *, upper: float | None = None, integer: bool = True):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if integer and value != int(value):
        return None
    if value < 0 or (upper is not None and value > upper):
        return None
    return int(value) if integer else float(value)


def _validate(items, key: str, fields: dict, now) -> tuple[list[dict], dict]:
    """Check every item; returns (clean items, {index: {field: [message]}})."""
    clean, errors = [], {}
    moments: dict[str, tuple] = {}  # a batch shares few timestamps: parse each once
    if not isinstance(items, list):
        return [], {"": {"non_field_errors": [_("应为列表。")]}}
    if len(items) > MAX_BATCH:
        return [], {"": {"non_field_errors": [_("每批最多 %(n)s 条。") % {"n": MAX_BATCH}]}}
    for index, item in enumerate(items):
        problems: dict[str, list[str]] = {}
        if not isinstance(item, dict):
            errors[str(index)] = {"non_field_errors": [_("应为对象。")]}
            continue
        record = item.get(key)
        if not isinstance(record, str) or not record.strip() or len(record) > 64:
            problems[key] = [_("请填写服务商侧编号。")]
        raw = item.get("sampled_at")
        key_ = raw if isinstance(raw, str) else None
        if key_ is None or key_ not in moments:
            found = _moment(raw, now)
            if key_ is None:
                moment, message = found
            else:
                moments[key_] = found
        if key_ is not None:
            moment, message = moments[key_]
        if message:
            problems["sampled_at"] = [message]
        row = {key: record, "sampled_at": moment}
        for name, (required, check, message) in fields.items():
            value = item.get(name)
            if value is None:
                if required:
                    problems[name] = [_("该字段是必填项。")]
                continue
            checked = check(value)
            if checked is None:
                problems[name] = [message]
            else:
                row[name] = checked
        if problems:
            errors[str(index)] = problems
        else:
            clean.append(row)
    return clean, errors


RESOURCE_FIELDS = {
    "available_cards": (True, lambda v: _count(v), _("请填写非负整数（张）。")),
    "utilisation_percent": (False, lambda v: _count(v, upper=100, integer=False), _("请填写 0–100 之间的数。")),
    "state": (False, lambda v: v if v in STATES else None, _("运行状态应为 online、maintenance 或 offline。")),
}
APP_FIELDS = {
    "calls": (True, lambda v: _count(v), _("请填写非负整数。")),
    "users": (True, lambda v: _count(v), _("请填写非负整数。")),
}


def _owned(model, provider, external_ids: set[str]) -> dict:
    records = {
        record.external_id: record
        for record in model.objects.filter(provider=provider, external_id__in=external_ids).select_related(
            "provider__organization"
        )
    }
    if set(records) != external_ids:
        raise Http404  # not this provider's (or no such record): nothing is said about which
    return records


PUSH_EXAMPLE = {
    "samples": [
        {
            "resource": "A100-CD-01",
            "sampled_at": "2026-03-02T10:05:00+08:00",
            "available_cards": 40,
            "utilisation_percent": 68.5,
            "state": "online",
        }
    ],
    "app_usage": [{"app_service": "LLM-01", "sampled_at": "2026-03-02T10:05:00+08:00", "calls": 1200, "users": 35}],
}


class ProviderMetricsView(APIView):
    """上报资源运行指标与应用服务使用情况 (push resource samples and application use)."""

    authentication_classes = [ProviderApiKeyAuthentication]
    permission_classes = [HasProviderApiKey]
    throttle_scope = "provider"

    @extend_schema(
        tags=["provider-metrics"],
        summary="批量上报运行指标（按采样时间幂等）",
        request=inline_serializer(
            "ProviderMetricsPush",
            {
                "samples": serializers.ListField(child=serializers.DictField(), required=False),
                "app_usage": serializers.ListField(child=serializers.DictField(), required=False),
            },
        ),
        responses={
            200: OpenApiResponse(description='{"accepted": {"samples": n, "app_usage": n}, "duplicates": {...}}'),
            400: OpenApiResponse(description='字段级错误：{"samples": {"3": {"available_cards": ["..."]}}}'),
            404: OpenApiResponse(description="有记录不存在或不属于本服务商（整批未保存）"),
        },
        examples=[OpenApiExample("一批采样", value=PUSH_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        provider, now = request.auth.provider, timezone.now()
        data = request.data if isinstance(request.data, dict) else {}
        samples, sample_errors = _validate(data.get("samples", []), "resource", RESOURCE_FIELDS, now)
        usage, usage_errors = _validate(data.get("app_usage", []), "app_service", APP_FIELDS, now)
        errors = {name: found for name, found in (("samples", sample_errors), ("app_usage", usage_errors)) if found}
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        resources = _owned(ComputeResource, provider, {row["resource"] for row in samples}) if samples else {}
        services = _owned(AppService, provider, {row["app_service"] for row in usage}) if usage else {}
        unlisted = sorted(key for key, record in resources.items() if record.listing_state != ListingState.APPROVED)
        if unlisted:
            message = _("资源尚未上架，不能上报指标：%(ids)s") % {"ids": ", ".join(unlisted[:10])}
            return Response(
                {"samples": {"resource": [message]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        with transaction.atomic():
            pushed = resource_samples_ingest(resources=resources, samples=samples)
            used = app_samples_ingest(app_services=services, samples=usage)
        return Response(
            {
                "accepted": {"samples": pushed.accepted, "app_usage": used.accepted},
                "duplicates": {"samples": pushed.duplicates, "app_usage": used.duplicates},
            }
        )
