"""Hierarchical identifier resolution (DNS-like): this node's identifiers locally, others upstream.

An identifier whose prefix is not this node's is forwarded to ``settings.UPSTREAM_NODE_URL`` (the
node above) and the answer (found or not found) is cached for ``IDENTIFIER_RESOLUTION_CACHE_SECONDS``
in Django's cache. A node without an upstream answers 404 for foreign prefixes.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors
from .identifiers import RECORD_KIND, MalformedIdentifier, parse_identifier
from .models import ComputeResource, IdentifierState, NetworkLine

logger = logging.getLogger(__name__)
CACHE_PREFIX = "identifier-resolution:"
PUBLISHED_STATES = {IdentifierState.ISSUED, IdentifierState.FILED, IdentifierState.ACTIVE}


@dataclass(frozen=True)
class Resolution:
    status: int
    body: dict


def _decimal(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _details(record) -> dict:
    if isinstance(record, ComputeResource):
        return {
            "resource_class": record.resource_class,
            "accelerator_model": record.accelerator_model,
            "accelerators_per_node": record.accelerators_per_node,
            "node_count": record.node_count,
            "cpu_architecture": record.cpu_architecture,
            "site": record.site.name,
            "billing_unit": record.billing_unit,
            "price_yuan": _decimal(record.price_yuan),
            "available_units": record.available_units,
        }
    if isinstance(record, NetworkLine):
        return {
            "line_kind": record.kind,
            "from_city": record.from_city.name_zh,
            "to_site": record.to_site.name,
            "bandwidth_mbps": record.bandwidth_mbps,
            "latency_ms": _decimal(record.latency_ms),
            "price_yuan_per_month": _decimal(record.price_yuan_per_month),
        }
    return {"service_kind": record.kind, "price_yuan": _decimal(record.price_yuan), "pricing_unit": record.pricing_unit}


def _local(code: str) -> Resolution:
    identifier = selectors.identifier_get(code=code)
    if identifier is None:
        return Resolution(404, {"identifier": code, "detail": _("本节点没有这个算力标识。")})
    record = identifier.record
    visible = identifier.state in PUBLISHED_STATES and record.is_public
    body = {
        "identifier": identifier.code,
        "state": identifier.state,
        "node_prefix": identifier.prefix,
        "class_code": identifier.class_code,
        "kind": RECORD_KIND[identifier.class_code],
        "name": record.name,
        "provider": record.provider.organization.name,
        "division_code": record.division_code,
        "record_state": record.state,
        "issued_at": identifier.issued_at.isoformat(),
        "filed_at": identifier.filed_at.isoformat() if identifier.filed_at else None,
        "access_path": reverse("catalog:record-detail", kwargs={"code": identifier.code}) if visible else None,
        "details": _details(record) if visible else {},
        "resolved_by": settings.NODE_IDENTIFIER_PREFIX,
    }
    return Resolution(200, body)


def _filed(code: str) -> Resolution | None:
    """A national node answers for downstream identifiers from the filings it received."""
    if settings.NODE_ROLE != "national":
        return None
    from federation.models import IdentifierFiling

    filing = IdentifierFiling.objects.filter(identifier=code).first()
    if filing is None:
        return Resolution(404, {"identifier": code, "detail": _("国家节点没有这个算力标识的备案。")})
    payload = filing.payload
    return Resolution(
        200,
        {
            "identifier": code,
            "state": "filed",
            "node_prefix": filing.node_prefix,
            "class_code": payload.get("class_code", ""),
            "kind": RECORD_KIND.get(payload.get("class_code", ""), ""),
            "name": payload.get("name", ""),
            "provider": payload.get("provider", ""),
            "division_code": payload.get("division_code", ""),
            "filed_at": filing.received_at.isoformat(),
            "resolved_by": settings.NODE_IDENTIFIER_PREFIX,
        },
    )


def _upstream(code: str) -> Resolution:
    filed = _filed(code)
    if filed is not None:
        return filed
    base = settings.UPSTREAM_NODE_URL
    if not base:
        return Resolution(
            404,
            {
                "identifier": code,
                "detail": _("该算力标识不属于本节点，且未配置上级节点。"),
            },
        )
    key = CACHE_PREFIX + code
    cached = cache.get(key)
    if cached is not None:
        return Resolution(cached["status"], {**cached["body"], "cached": True})
    url = f"{base}/api/v1/identifiers/{urllib.parse.quote(code, safe='/.')}/"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.UPSTREAM_TIMEOUT_SECONDS) as response:
            status, body = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        status = error.code
        try:
            body = json.loads(error.read())
        except ValueError:
            body = {}
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        logger.warning("upstream resolution of %s failed: %s", code, error)
        return Resolution(502, {"identifier": code, "detail": _("上级节点暂时无法访问，请稍后再试。")})
    if status not in (200, 400, 404):
        return Resolution(502, {"identifier": code, "detail": _("上级节点返回了错误。")})
    cache.set(key, {"status": status, "body": body}, settings.IDENTIFIER_RESOLUTION_CACHE_SECONDS)
    return Resolution(status, {**body, "cached": False})


def identifier_resolve(*, code: str) -> Resolution:
    try:
        parsed = parse_identifier(code)
    except MalformedIdentifier as error:
        return Resolution(400, {"identifier": code, "error": error.code, "detail": str(error.reason)})
    normalized = str(parsed)
    if parsed.prefix == settings.NODE_IDENTIFIER_PREFIX:
        return _local(normalized)
    return _upstream(normalized)
