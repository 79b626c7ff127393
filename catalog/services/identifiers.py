"""Issuing identifiers and moving them through their lifecycle, with a history row per change."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.identifiers import CLASS_FOR_RESOURCE_CLASS, format_identifier
from organizations.models import User

from ..models import (
    AppService,
    ComputeResource,
    Identifier,
    IdentifierClass,
    IdentifierCounter,
    IdentifierEvent,
    IdentifierState,
    NetworkLine,
)
from ..models.identifiers import TRANSITIONS
from .changes import records_changed_append

Record = ComputeResource | NetworkLine | AppService


def class_code_for(record: Record) -> str:
    if isinstance(record, ComputeResource):
        return CLASS_FOR_RESOURCE_CLASS[record.resource_class]
    if isinstance(record, NetworkLine):
        return IdentifierClass.NETWORK_LINE
    return IdentifierClass.APP_SERVICE


def _record_field(record: Record) -> str:
    return {ComputeResource: "resource", NetworkLine: "line", AppService: "app_service"}[type(record)]


def _next_serial(*, prefix: str, class_code: str) -> int:
    """Take the next serial; the counter row stays locked until the caller's transaction ends."""
    lookup = {"prefix": prefix, "class_code": class_code}
    counter = IdentifierCounter.objects.select_for_update().filter(**lookup).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = IdentifierCounter.objects.create(**lookup)
        except IntegrityError:  # another issuer created it first: wait for its lock
            counter = IdentifierCounter.objects.select_for_update().get(**lookup)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return counter.last_serial


@transaction.atomic
def identifier_issue(*, record: Record, actor: User | None, reason: str = "") -> Identifier:
    """The record's identifier, issued now if it has none (a record never gets a second one)."""
    field = _record_field(record)
    type(record).objects.select_for_update().filter(pk=record.pk).exists()  # serialise per record
    existing = Identifier.objects.filter(**{field: record}).first()
    if existing is not None:
        return existing
    prefix = _node_prefix()
    class_code = class_code_for(record)
    serial = _next_serial(prefix=prefix, class_code=class_code)
    identifier = Identifier.objects.create(
        code=format_identifier(prefix=prefix, class_code=class_code, serial=serial),
        prefix=prefix,
        class_code=class_code,
        serial=serial,
        state=IdentifierState.ISSUED,
        **{field: record},
    )
    IdentifierEvent.objects.create(
        identifier=identifier,
        from_state="",
        to_state=IdentifierState.ISSUED,
        actor=actor,
        reason=reason or _("记录审核通过，发放算力标识。"),
    )
    records_changed_append(model=type(record), record_ids=(record.pk,), change="identifier", fields=("identifier",))
    if not _has_upstream():  # the root, or a node on its own (make run): acknowledged here, listed at once
        for state in (IdentifierState.FILED, IdentifierState.ACTIVE):
            identifier = identifier_transition(
                identifier=identifier, to_state=state, actor=None, reason=_("本节点没有上级节点，备案在本地确认。")
            )
        return identifier
    transaction.on_commit(lambda: _after_issue(identifier.pk))
    return identifier


def _node_prefix() -> str:
    """The prefix the upstream allocated at enrolment (federation), else NODE_IDENTIFIER_PREFIX."""
    try:
        from federation.selectors import node_prefix
    except ImportError:  # federation not built in this deployment
        return settings.NODE_IDENTIFIER_PREFIX
    return node_prefix()


def _has_upstream() -> bool:
    """Does this node file with a node above it (enrolled, or UPSTREAM_NODE_URL set)?"""
    try:
        from federation.selectors import upstream_url
    except ImportError:  # federation not built in this deployment
        return False
    return bool(upstream_url())


def _after_issue(identifier_pk: int) -> None:
    """Queue the filing with the national node when the federation outbox is available."""
    try:
        from .upstream import identifier_filing_enqueue
    except ImportError:  # federation not built in this deployment
        return
    identifier_filing_enqueue(identifier_id=identifier_pk)


def _after_owner_change(identifier_pk: int) -> None:
    try:
        from .upstream import identifier_state_enqueue
    except ImportError:  # federation not built in this deployment
        return
    identifier_state_enqueue(identifier_id=identifier_pk)


@transaction.atomic
def identifier_transition(*, identifier: Identifier, to_state: str, actor: User | None, reason: str) -> Identifier:
    """Move an identifier to ``to_state``; refused (ValidationError, nothing written) if not allowed."""
    identifier = Identifier.objects.select_for_update().get(pk=identifier.pk)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请填写变更原因。")})
    if to_state not in TRANSITIONS.get(identifier.state, frozenset()):
        raise ValidationError(
            {
                "to_state": _("算力标识不能从“%(from)s”变为“%(to)s”。")
                % {
                    "from": IdentifierState(identifier.state).label,
                    "to": IdentifierState(to_state).label if to_state in IdentifierState.values else to_state,
                }
            }
        )
    from_state = identifier.state
    identifier.state = to_state
    fields = ["state", "changed_at"]
    if to_state == IdentifierState.FILED:
        identifier.filed_at = timezone.now()
        fields.append("filed_at")
    identifier.save(update_fields=fields)
    IdentifierEvent.objects.create(
        identifier=identifier, from_state=from_state, to_state=to_state, actor=actor, reason=reason.strip()
    )
    if to_state in (IdentifierState.SUSPENDED, IdentifierState.REVOKED) or from_state == IdentifierState.SUSPENDED:
        transaction.on_commit(lambda: _after_owner_change(identifier.pk))  # travels upward, like the filing
    record = identifier.record  # a suspended or revoked identifier takes its record out of selection
    records_changed_append(model=type(record), record_ids=(record.pk,), change="identifier", fields=("identifier",))
    return identifier


def identifier_filed(*, identifier: str, national_receipt: str) -> None:
    """The national node acknowledged the filing of one of this node's identifiers: issued → filed →
    active (registered with federation for identifier filings, at CatalogConfig.ready)."""
    local = Identifier.objects.filter(code=identifier).first()
    if local is not None and local.state == IdentifierState.ISSUED:
        reason = f"国家节点已备案（回执 {national_receipt}）。"
        local = identifier_transition(identifier=local, to_state=IdentifierState.FILED, actor=None, reason=reason)
        identifier_transition(
            identifier=local, to_state=IdentifierState.ACTIVE, actor=None, reason="备案确认后自动生效（入网入市）。"
        )
