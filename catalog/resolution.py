"""Hierarchical identifier resolution (like DNS and the Handle system).

- this node's prefix: from the local library (``_local``), with the access path as absolute URLs of
  this node (NODE_PUBLIC_URL);
- a prefix below this node (a national node: every ``CN.*``; a regional node: its industry nodes): the
  registered node responsible for it (federation registry, longest prefix) is asked and its answer is
  passed on (a proxied answer, so that browsers and the lookup page get one answer from one request, and
  every level caches it); if that node is unreachable, the filing this node holds answers, marked
  ``authoritative: false`` and ``node_unavailable: true``; with neither, 404;
- any other prefix: the upstream node is asked (it knows the authoritative node).

Answers from other nodes are cached: found for IDENTIFIER_RESOLUTION_CACHE_SECONDS, not found for
IDENTIFIER_NEGATIVE_CACHE_SECONDS (typos); a state change received from below drops the entry.
"""

import logging
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from federation.http import Unreachable, exchange  # pooled keep-alive connections to the other nodes
from organizations.identifiers import RECORD_KIND, MalformedIdentifier, parse_identifier

from . import selectors
from .models import ComputeResource, IdentifierState, NetworkLine

logger = logging.getLogger(__name__)
CACHE_PREFIX = "identifier-resolution:"
# listed (入网入市) only after the national acknowledgement of the filing: not while merely issued
PUBLISHED_STATES = {IdentifierState.FILED, IdentifierState.ACTIVE}


@dataclass(frozen=True)
class Resolution:
    status: int
    body: dict
    local: bool = False  # answered from this node's own library


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


def _own_prefix() -> str:
    from federation.selectors import node_prefix

    return node_prefix()


def _local(code: str, own: str, class_code: str) -> Resolution:
    identifier = selectors.identifier_get(code=code, kind=RECORD_KIND.get(class_code, ""))
    if identifier is None:
        return Resolution(404, {"identifier": code, "detail": _("本节点没有这个算力标识。")})
    record = identifier.record
    visible = identifier.state in PUBLISHED_STATES and record.is_public
    path = reverse("catalog:record-detail", kwargs={"code": identifier.code}) if visible else None
    base = settings.NODE_PUBLIC_URL
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
        "access_path": path,
        "access_url": base + path if path else None,
        "api_url": base + reverse("v1:identifier-resolve", kwargs={"identifier": identifier.code}),
        "details": _details(record) if visible else {},
        "resolved_by": own,
        "authoritative": True,
    }
    return Resolution(200, body, local=True)


def _filed(code: str, own: str, *, unavailable: bool) -> Resolution | None:
    """The filing this node holds (received from the node below): the answer when that node is unreachable."""
    from federation.models import IdentifierFiling

    filing = IdentifierFiling.objects.filter(identifier=code).first()
    if filing is None:
        return None
    payload = filing.payload
    return Resolution(
        200,
        {
            "identifier": code,
            "state": filing.state,
            "node_prefix": filing.node_prefix,
            "class_code": payload.get("class_code", ""),
            "kind": RECORD_KIND.get(payload.get("class_code", ""), ""),
            "name": payload.get("name", ""),
            "provider": payload.get("provider", ""),
            "division_code": payload.get("division_code", ""),
            "filed_at": filing.received_at.isoformat(),
            "access_path": None,
            "resolved_by": own,
            "authoritative": False,
            "node_unavailable": unavailable,
        },
    )


def _fetch(code: str, base: str, *, signed: bool = False, downward: bool = False) -> Resolution:
    """Ask the node at ``base`` (cached per identifier: found and not-found for different times);
    ``signed``: as this enrolled node (the upstream exempts its enrolled nodes from the anonymous rate limit);
    ``downward``: to a node below, signed with this node's own key (it verifies with the key it got at
    enrolment)."""
    key = CACHE_PREFIX + code
    cached = cache.get(key)
    if cached is not None:
        return Resolution(cached["status"], {**cached["body"], "cached": True})
    path = f"/api/v1/identifiers/{urllib.parse.quote(code, safe='/.')}/"
    headers = {"Accept": "application/json"}
    if signed:
        from federation.client import signature_headers

        headers.update(signature_headers(method="GET", path=path))
    elif downward:
        from federation.node_key import downward_signature_headers

        headers.update(downward_signature_headers(method="GET", path=path))
    try:
        status, body = exchange(method="GET", url=base + path, headers=headers)
    except Unreachable as error:
        logger.warning("resolution of %s at %s failed: %s", code, base, error)
        return Resolution(502, {"identifier": code, "detail": _("负责该标识的节点暂时无法访问，请稍后再试。")})
    if status not in (200, 400, 404):
        logger.warning("resolution of %s at %s: HTTP %s", code, base, status)
        return Resolution(
            502,
            {"identifier": code, "detail": _("负责该标识的节点返回了错误。"), "node_status": status},
        )
    body.pop("cached", None)
    ttl = settings.IDENTIFIER_RESOLUTION_CACHE_SECONDS if status == 200 else settings.IDENTIFIER_NEGATIVE_CACHE_SECONDS
    cache.set(key, {"status": status, "body": body}, ttl)
    return Resolution(status, {**body, "cached": False})


def _below(code: str, prefix: str, own: str) -> Resolution:
    """An identifier of a node below this one: ask the registered node responsible for it."""
    from federation.selectors import peer_for_prefix

    peer = peer_for_prefix(prefix=prefix)
    if peer is not None and peer.url:
        answer = _fetch(code, peer.url.rstrip("/"), downward=True)
        if answer.status != 502:
            return answer
        return _filed(code, own, unavailable=True) or answer
    return _filed(code, own, unavailable=False) or Resolution(
        404,
        {
            "identifier": code,
            "detail": _("没有登记负责这个前缀的节点，也没有这个算力标识的备案。"),
        },
    )


def _upstream(code: str) -> Resolution:
    from federation.selectors import upstream_url

    base = upstream_url()
    if not base:
        return Resolution(
            404,
            {
                "identifier": code,
                "detail": _("该算力标识不属于本节点，且未配置上级节点。"),
            },
        )
    return _fetch(code, base, signed=True)


def identifier_resolve(*, code: str) -> Resolution:
    try:
        parsed = parse_identifier(code)
    except MalformedIdentifier as error:
        return Resolution(400, {"identifier": code, "error": error.code, "detail": str(error.reason)})
    normalized = str(parsed)
    cached = cache.get(CACHE_PREFIX + normalized)  # only other nodes' answers are cached: no lookup needed first
    if cached is not None:
        return Resolution(cached["status"], {**cached["body"], "cached": True})
    own = _own_prefix()
    if parsed.prefix == own:
        return _local(normalized, own, parsed.class_code)
    if parsed.prefix.startswith(own + "."):
        return _below(normalized, parsed.prefix, own)
    return _upstream(normalized)
