"""Upserting published records (idempotent, versioned), live status and approval; each change is
appended to the change feed in its own transaction."""

import copy
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from organizations.models import User

from ..models import (
    AcceleratorModel,
    AppService,
    ComputeResource,
    ListingState,
    NetworkLine,
    Provider,
    ProviderApiKey,
    RecordVersion,
)
from .changes import records_changed_append
from .identifiers import identifier_issue

Record = ComputeResource | NetworkLine | AppService

# What a provider describes with PUT (besides external_id) and may change live with PATCH .../status/.
DESCRIBE_FIELDS: dict[type, tuple[str, ...]] = {
    ComputeResource: (
        "name",
        "description",
        "site",
        "resource_class",
        "accelerator_vendor",
        "accelerator_model",
        "accelerators_per_node",
        "node_count",
        "cpu_architecture",
        "vcpus_per_node",
        "memory_gb_per_node",
        "accelerator_memory_gb",
        "storage_tb",
        "fp64_tflops_per_card",
        "fp32_tflops_per_card",
        "fp16_tflops_per_card",
        "int8_tops_per_card",
        "interconnect",
        "billing_unit",
        "price_yuan",
        "available_units",
        "state",
        "sla_availability_percent",
        "certifications",
    ),
    NetworkLine: (
        "name",
        "description",
        "kind",
        "from_city",
        "to_site",
        "bandwidth_mbps",
        "latency_ms",
        "jitter_ms",
        "price_yuan_per_month",
        "state",
    ),
    AppService: (
        "name",
        "description",
        "kind",
        "price_yuan",
        "pricing_unit",
        "available_units",
        "state",
        "resources",
    ),
}
LIVE_FIELDS: dict[type, tuple[str, ...]] = {
    ComputeResource: ("available_units", "price_yuan", "state"),
    NetworkLine: ("price_yuan_per_month", "latency_ms", "jitter_ms", "state"),
    AppService: ("available_units", "price_yuan", "state"),
}
# Per-card figures taken from the accelerator reference table when the provider leaves them blank.
REFERENCE_FIGURES = {
    "fp64_tflops_per_card": "fp64_tflops",
    "fp32_tflops_per_card": "fp32_tflops",
    "fp16_tflops_per_card": "fp16_tflops",
    "int8_tops_per_card": "int8_tops",
    "accelerator_memory_gb": "memory_gb",
    "accelerator_vendor": "vendor",
}


@dataclass(frozen=True)
class RecordChange:
    record: Record
    created: bool
    changed_fields: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changed_fields)


def _change_append(record: Record, change: str, fields: tuple[str, ...] = (), *, patch: dict | None = None) -> None:
    """The record's change into the change feed, in the caller's transaction (``patch``: the new
    stored values of its changed columns, see ``changes.models.Change.patch``)."""
    patches = {record.pk: patch} if patch is not None else None
    records_changed_append(model=type(record), record_ids=(record.pk,), change=change, fields=fields, patches=patches)


def _stored(record: Record, names: tuple[str, ...]) -> dict:
    """These fields' values as the database stores them (as the import's patches carry them)."""
    return {name: record._meta.get_field(name).to_python(getattr(record, name)) for name in names}


def _canonical(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, models.Manager):
        return sorted(value.values_list("pk", flat=True))
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        items = [_canonical(item) for item in value]
        return sorted(items) if isinstance(value, set | frozenset | models.QuerySet) else items
    return value


def _current(record: Record, name: str):
    if name == "resources":
        return sorted(record.resources.values_list("pk", flat=True)) if record.pk else []
    field = record._meta.get_field(name)
    return _canonical(getattr(record, field.attname))


def _snapshot(record: Record) -> dict:
    data = {"external_id": record.external_id}
    for name in DESCRIBE_FIELDS[type(record)]:
        data[name] = _current(record, name)
    return data


def _save_version(
    *, record: Record, change: str, source: str, actor: User | None, api_key: ProviderApiKey | None
) -> RecordVersion:
    payload = _snapshot(record)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return RecordVersion.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        version=record.version,
        change=change,
        payload=payload,
        payload_hash=digest,
        source=source,
        actor=actor,
        api_key=api_key,
    )


def _fill_from_reference(data: dict) -> dict:
    """Link the accelerator reference row and take its published figures for blanks (never guesses)."""
    data = dict(data)
    name = (data.get("accelerator_model") or "").strip()
    accelerator = AcceleratorModel.objects.filter(name=name).first() if name else None
    data["accelerator"] = accelerator
    if accelerator is not None:
        for ours, theirs in REFERENCE_FIGURES.items():
            if data.get(ours) in (None, ""):
                data[ours] = getattr(accelerator, theirs)
    return data


def _upsert(
    *,
    model: type,
    provider: Provider,
    external_id: str,
    data: dict,
    actor: User | None,
    api_key: ProviderApiKey | None,
    source: str,
) -> RecordChange:
    record = model.objects.select_for_update().filter(provider=provider, external_id=external_id).first()
    created = record is None
    if created:
        record = model(provider=provider, external_id=external_id)
    many = {name: data.pop(name) for name in list(data) if name == "resources"}
    changed = tuple(
        name for name in DESCRIBE_FIELDS[model] if name in data and _current(record, name) != _canonical(data[name])
    )
    changed += tuple(name for name, value in many.items() if _current(record, name) != _canonical(list(value)))
    if not created and not changed:
        return RecordChange(record=record, created=False)
    for name, value in data.items():
        setattr(record, name, value)
    if not created:
        record.version += 1
    if isinstance(record, ComputeResource):
        record.sync_location()
    record.full_clean(validate_unique=False, validate_constraints=False)
    record.save()
    for name, value in many.items():
        getattr(record, name).set(value)
    _save_version(
        record=record, change="created" if created else "described", source=source, actor=actor, api_key=api_key
    )
    _change_append(record, "created" if created else "described", changed)
    return RecordChange(record=record, created=created, changed_fields=changed)


def _upsert_for(model, prepare=dict):
    """The public upsert service of one record type: by the provider's external id, versioned;
    identical data changes nothing."""

    @transaction.atomic
    def upsert(
        *,
        provider: Provider,
        external_id: str,
        data: dict,
        actor: User | None = None,
        api_key: ProviderApiKey | None = None,
        source: str = RecordVersion.Source.API,
    ) -> RecordChange:
        return _upsert(
            model=model,
            provider=provider,
            external_id=external_id,
            data=prepare(data),
            actor=actor,
            api_key=api_key,
            source=source,
        )

    upsert.__name__ = upsert.__qualname__ = f"{model._meta.model_name}_upsert"
    return upsert


# Compute resources take blank accelerator figures from the accelerator reference table.
resource_upsert = _upsert_for(ComputeResource, _fill_from_reference)
line_upsert = _upsert_for(NetworkLine)
app_service_upsert = _upsert_for(AppService)


def _save_audited(*, before: Record, record: Record, update_fields: list[str]) -> None:
    """Save and write the audit log's update entry from the state read under the lock: the entry
    django-auditlog's save signal would write, without its query for the row as it was."""
    with disable_auditlog():
        record.save(update_fields=update_fields)
    diff = model_instance_diff(
        before, record, fields_to_check=update_fields, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
    )
    if diff:
        LogEntry.objects.log_create(record, action=LogEntry.Action.UPDATE, changes=diff)


@transaction.atomic
def record_update_status(
    *,
    record: Record,
    changes: dict,
    actor: User | None = None,
    api_key: ProviderApiKey | None = None,
    source: str = RecordVersion.Source.API,
) -> RecordChange:
    """Update live fields (available units, price, state, ...); identical values change nothing."""
    model = type(record)
    unknown = set(changes) - set(LIVE_FIELDS[model])
    if unknown:
        raise ValueError(f"not live fields of {model.__name__}: {sorted(unknown)}")
    # with its identifier: the provider interface answers with the record (no query after the commit)
    record = model.objects.select_for_update(of=("self",)).select_related("identifier").get(pk=record.pk)
    changed = tuple(name for name, value in changes.items() if _current(record, name) != _canonical(value))
    if not changed:
        return RecordChange(record=record, created=False)
    before = copy.copy(record)
    for name in changed:
        setattr(record, name, changes[name])
    record.version += 1
    _save_audited(before=before, record=record, update_fields=[*changed, "version", "updated_at"])
    _save_version(record=record, change="status", source=source, actor=actor, api_key=api_key)
    # with the new values: a consumer with a copy of the record (the selection index) applies them
    _change_append(record, "status", changed, patch=_stored(record, changed))
    return RecordChange(record=record, created=False, changed_fields=changed)


@transaction.atomic
def record_approve(*, record: Record, actor: User | None, reason: str = "") -> Record:
    """List the record in the public catalogue and issue its identifier (once for life).

    A line is listed only while its provider may open lines (a certified line provider, issue 16 item 2):
    one pushed over the API while it was certified and approved after that ended is refused, nothing changes.
    """
    record = type(record).objects.select_for_update().get(pk=record.pk)
    if isinstance(record, NetworkLine) and record.listing_state != ListingState.APPROVED:
        provider = Provider.objects.select_related("organization").get(pk=record.provider_id)
        if not provider.may_open_lines:
            raise ValidationError(
                {
                    "provider": _("%(name)s 当前不是已认证的网络线路提供商，线路“%(line)s”不能审核上架。")
                    % {"name": provider.organization.name, "line": record.name}
                }
            )
    if record.listing_state != ListingState.APPROVED:
        record.listing_state = ListingState.APPROVED
        record.save(update_fields=["listing_state", "updated_at"])
        _change_append(record, "approved", ("listing_state",))
    identifier_issue(record=record, actor=actor, reason=reason)
    return record


@transaction.atomic
def record_delist(*, record: Record, actor: User | None) -> Record:
    """Take the record out of the public catalogue (its identifier stays; suspend it separately)."""
    record = type(record).objects.select_for_update().get(pk=record.pk)
    if record.listing_state != ListingState.DELISTED:
        record.listing_state = ListingState.DELISTED
        record.save(update_fields=["listing_state", "updated_at"])
        _change_append(record, "delisted", ("listing_state",))
    return record
