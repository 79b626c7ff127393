"""One audit trail over two records of change, read for operators.

django-auditlog's ``LogEntry`` sees every model save (admin, workflows, services); catalogue imports
write with raw ``executemany`` and leave only ``catalog.RecordVersion`` rows. The trail is the union
of both, newest first, paginated in the database; the rows of one page are then made readable
(field labels, names for foreign keys, local time). A version whose record also has a ``LogEntry``
from the same moment (API, provider portal, small imports) is the same change seen twice: the
version is kept (it knows the source), the log entry is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import RecordVersion

from .selectors import _day_start

LOG_SOURCE = "log"
SOURCE_CHOICES = [(LOG_SOURCE, gettext_lazy("站内操作")), *RecordVersion.Source.choices]
SAME_CHANGE_WINDOW = timedelta(seconds=5)
EMPTY = gettext_lazy("空")
ACTION_LABELS = {  # django-auditlog ships no Chinese labels
    LogEntry.Action.CREATE: gettext_lazy("新建"),
    LogEntry.Action.UPDATE: gettext_lazy("修改"),
    LogEntry.Action.DELETE: gettext_lazy("删除"),
    LogEntry.Action.ACCESS: gettext_lazy("查看"),
}


@dataclass
class AuditRow:
    at: object
    source: str
    actor: str
    actor_login: str
    action: str
    type_label: str
    app_label: str
    model: str
    object_id: str
    object_repr: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    remote_addr: str = ""
    created: bool = False

    @property
    def when(self) -> str:
        return timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def changes_line(self) -> str:
        return "; ".join(f"{label}: {before} → {after}" for label, before, after in self.changes)


def _log_entries(*, content_type_id, actor, date_from, date_to, action) -> QuerySet:
    entries = LogEntry.objects.all()
    if content_type_id:
        entries = entries.filter(content_type_id=content_type_id)
    if actor:
        entries = entries.filter(
            Q(actor__username__icontains=actor) | Q(actor__full_name__icontains=actor) | Q(actor_email__icontains=actor)
        )
    if date_from:
        entries = entries.filter(timestamp__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(timestamp__lt=_day_start(date_to + timedelta(days=1)))
    if action is not None:
        entries = entries.filter(action=action)
    seen_as_version = RecordVersion.objects.filter(
        content_type_id=OuterRef("content_type_id"),
        object_id=OuterRef("object_id"),
        created_at__gte=OuterRef("timestamp") - SAME_CHANGE_WINDOW,
        created_at__lte=OuterRef("timestamp") + SAME_CHANGE_WINDOW,
    ).exclude(source=RecordVersion.Source.ADMIN)
    entries = entries.exclude(Q(action__in=[LogEntry.Action.CREATE, LogEntry.Action.UPDATE]) & Exists(seen_as_version))
    return entries


def _versions(*, content_type_id, actor, date_from, date_to, action, source) -> QuerySet:
    versions = RecordVersion.objects.all()
    if source:
        versions = versions.filter(source=source)
    if content_type_id:
        versions = versions.filter(content_type_id=content_type_id)
    if actor:
        versions = versions.filter(
            Q(actor__username__icontains=actor)
            | Q(actor__full_name__icontains=actor)
            | Q(api_key__name__icontains=actor)
        )
    if date_from:
        versions = versions.filter(created_at__gte=_day_start(date_from))
    if date_to:
        versions = versions.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    if action == LogEntry.Action.CREATE:
        versions = versions.filter(change="created")
    elif action == LogEntry.Action.UPDATE:
        versions = versions.exclude(change="created")
    elif action is not None:
        versions = versions.none()
    return versions


def audit_trail_keys(
    *,
    content_type_id: int | None = None,
    actor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    action: int | None = None,
    source: str = "",
) -> QuerySet:
    """(kind, pk, at) of every change that matches, newest first: one SQL UNION, sliced by the paginator."""
    common = {
        "content_type_id": content_type_id,
        "actor": actor,
        "date_from": date_from,
        "date_to": date_to,
        "action": action,
    }
    kind = lambda name: Value(name, output_field=CharField())  # noqa: E731
    parts = []
    if source in ("", LOG_SOURCE):
        entries = _log_entries(**common)
        parts.append(entries.annotate(kind=kind("log"), at=F("timestamp")).values_list("kind", "pk", "at"))
    if source != LOG_SOURCE:
        versions = _versions(**common, source=source)
        parts.append(versions.annotate(kind=kind("version"), at=F("created_at")).values_list("kind", "pk", "at"))
    keys = parts[0].order_by() if len(parts) == 1 else parts[0].order_by().union(parts[1].order_by(), all=True)
    return keys.order_by("-at", "-kind", "-pk")


def audit_trail_content_types() -> QuerySet[ContentType]:
    """The record types that have entries in either trail, for the viewer's type filter."""
    ids = set(LogEntry.objects.order_by().values_list("content_type_id", flat=True).distinct())
    ids |= set(RecordVersion.objects.order_by().values_list("content_type_id", flat=True).distinct())
    return ContentType.objects.filter(pk__in=ids).order_by("app_label", "model")


def audit_trail_rows(keys) -> list[AuditRow]:
    """The readable rows for one page (or one CSV chunk) of keys, in the keys' order."""
    keys = list(keys)
    log_ids = [pk for kind, pk, _at in keys if kind == "log"]
    version_ids = [pk for kind, pk, _at in keys if kind == "version"]
    logs = LogEntry.objects.select_related("actor", "content_type").in_bulk(log_ids)
    previous = RecordVersion.objects.filter(
        content_type_id=OuterRef("content_type_id"), object_id=OuterRef("object_id"), version__lt=OuterRef("version")
    ).order_by("-version")
    versions = (
        RecordVersion.objects.select_related("actor", "api_key", "content_type")
        .annotate(previous=Subquery(previous.values("payload")[:1], output_field=models.JSONField()))
        .in_bulk(version_ids)
    )
    readable = _Readable()
    rows = []
    for kind, pk, _at in keys:
        if kind == "log" and pk in logs:
            rows.append(_log_row(logs[pk], readable))
        elif kind == "version" and pk in versions:
            rows.append(_version_row(versions[pk], readable))
    readable.resolve()
    for row in rows:
        row.changes = [
            (label, "" if row.created else before, after) for label, before, after in row.changes if before != after
        ]
    return rows


def content_type_label(content_type: ContentType) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model else content_type.model


def _user_name(user) -> str:
    return (getattr(user, "full_name", "") or user.get_username()) if user else ""


def _log_row(entry: LogEntry, readable: _Readable) -> AuditRow:
    model = entry.content_type.model_class()
    changes = []
    for name, values in (entry.changes_dict or {}).items():
        if readable.is_reverse(model, name) or (model is not None and name == model._meta.pk.name):
            continue  # auditlog lists a new object's reverse relations ("None") and its own id
        if isinstance(values, (list, tuple)) and len(values) == 2:
            changes.append(readable.change(model, name, values[0], values[1], stored_as_text=True))
        elif isinstance(values, dict):
            objects = ", ".join(str(value) for value in values.get("objects", []))
            operation = values.get("operation", "")
            operation = {"add": _("加入"), "delete": _("移除")}.get(operation, operation)
            changes.append([readable.label(model, name), "", f"{operation} {objects}".strip()])
    return AuditRow(
        at=entry.timestamp,
        source=str(SOURCE_CHOICES[0][1]),
        actor=_user_name(entry.actor) or entry.actor_email or "",
        actor_login=entry.actor.get_username() if entry.actor else (entry.actor_email or ""),
        action=str(ACTION_LABELS.get(entry.action, entry.get_action_display())),
        type_label=content_type_label(entry.content_type),
        app_label=entry.content_type.app_label,
        model=entry.content_type.model,
        object_id=entry.object_pk,
        object_repr=entry.object_repr,
        changes=changes,
        remote_addr=entry.remote_addr or "",
        created=entry.action == LogEntry.Action.CREATE,
    )


def _version_row(version: RecordVersion, readable: _Readable) -> AuditRow:
    model = version.content_type.model_class()
    before = version.previous or {}
    if version.previous is None:  # the first version: every field that has a value
        changed = [name for name, value in version.payload.items() if value not in (None, "", [])]
    else:
        changed = [name for name, value in version.payload.items() if before.get(name) != value]
    changes = [
        readable.change(model, name, before.get(name), version.payload[name], stored_as_text=False) for name in changed
    ]
    actor = _user_name(version.actor)
    if version.api_key_id:
        key = f"{_('API 密钥')} {version.api_key.name}"
        actor = f"{actor}（{key}）" if actor else key
    created = version.change == "created" or version.previous is None
    return AuditRow(
        at=version.created_at,
        source=version.get_source_display(),
        actor=actor,
        actor_login=version.actor.get_username() if version.actor else actor,
        action=str(ACTION_LABELS[LogEntry.Action.CREATE if created else LogEntry.Action.UPDATE]),
        type_label=content_type_label(version.content_type),
        app_label=version.content_type.app_label,
        model=version.content_type.model,
        object_id=str(version.object_id),
        object_repr=version.payload.get("name") or version.payload.get("external_id") or str(version.object_id),
        changes=changes,
        created=created,
    )


class _Readable:
    """Labels and shown values of changed fields; foreign keys are looked up in one query per model."""

    def __init__(self):
        self.pending: list[tuple[type, list, int, list[str]]] = []

    def label(self, model, name: str) -> str:
        field_ = self._field(model, name)
        return str(field_.verbose_name) if field_ is not None else name

    @staticmethod
    def is_reverse(model, name: str) -> bool:
        try:
            return model is not None and not hasattr(model._meta.get_field(name), "verbose_name")
        except FieldDoesNotExist:
            return False

    @staticmethod
    def _field(model, name: str):
        try:
            found = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:  # a field since removed, or a payload key that is no field
            return None
        return found if hasattr(found, "verbose_name") else None  # reverse relations have no label

    def change(self, model, name: str, before, after, *, stored_as_text: bool) -> list:
        row = [self.label(model, name), before, after]
        model_field = self._field(model, name)
        for index in (1, 2):
            value = row[index]
            if stored_as_text and value == "None":
                value = None
            if value in (None, "", []):
                row[index] = str(EMPTY)
            elif model_field is not None and model_field.is_relation and model_field.related_model:
                ids = [str(pk) for pk in (value if isinstance(value, list) else [value])]
                self.pending.append((model_field.related_model, row, index, ids))
                row[index] = ", ".join(ids)
            elif isinstance(model_field, models.DateTimeField):
                row[index] = _local_moment(value)
            elif model_field is not None and model_field.choices:
                row[index] = str(dict(model_field.flatchoices).get(value, value))
            elif isinstance(value, bool) or value in ("True", "False"):
                row[index] = _("是") if value in (True, "True") else _("否")
            else:
                row[index] = str(value)
        return row

    def resolve(self) -> None:
        wanted: dict[type, set[str]] = {}
        for related_model, _row, _index, ids in self.pending:
            wanted.setdefault(related_model, set()).update(ids)
        names = {}
        for related_model, ids in wanted.items():
            valid = [pk for pk in ids if pk.isdigit()] if isinstance(related_model._meta.pk, models.AutoField) else ids
            found = related_model._default_manager.in_bulk(valid)
            names[related_model] = {str(pk): _display_name(obj) for pk, obj in found.items()}
        for related_model, row, index, ids in self.pending:
            row[index] = ", ".join(names[related_model].get(pk, f"#{pk}") for pk in ids)


def _local_moment(value) -> str:
    """A stored date-time (auditlog keeps ``str(datetime)`` in UTC) as local time to the second."""
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is None:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _display_name(obj) -> str:
    full_name = getattr(obj, "full_name", "")
    return full_name or str(obj)
