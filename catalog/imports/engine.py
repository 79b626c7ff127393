"""The fast import path: stream a file, validate every row against tables preloaded in dicts (sites,
accelerators, cities; existing records fetched per batch of 2,000), then write in batches inside ONE
transaction — new records and their versions with multi-row INSERTs (``_Inserter``: executemany,
no model instances), changed records with ``bulk_update`` — one version per created or changed
record, and ONE after-commit announcement per import.

All or nothing: validation goes on to the end of the file so that every bad row is reported, but
as soon as one row is bad nothing more is written and the transaction is rolled back. A dry run
only reads (the preloaded tables and the existing records), so it cannot write anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import operator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Division, User

from ..models import (
    AcceleratorModel,
    AppService,
    ComputeResource,
    ListingState,
    NetworkLine,
    Provider,
    RecordVersion,
    ResourceClass,
    Site,
)
from ..services import records_changed_announce
from ..services.records import DESCRIBE_FIELDS, REFERENCE_FIGURES
from .columns import COLUMNS, CellError, Column
from .readers import FileError, Table

BATCH_SIZE = 2000
PREVIEW_LIMIT = 200
MAX_REPORTED_ERRORS = 1000
IMPORT_CHANGE = "imported"
IMPORT_SOURCE = RecordVersion.Source.IMPORT
FOREIGN_KEYS = {"site": "site_id", "from_city": "from_city_id", "to_site": "to_site_id"}


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (the header is row 1); 0 for the file as a whole
    column: str  # the column header, "" for the row as a whole
    message: str


@dataclass(frozen=True)
class PreviewRow:
    row: int
    action: str  # new | update | skip
    external_id: str
    name: str
    changed: tuple[str, ...] = ()


@dataclass
class ImportReport:
    model: type
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    error_rows: set[int] = field(default_factory=set)
    ignored_columns: list[str] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        self.error_rows.add(row)
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row=row, column=column, message=str(message)))


def canonical(value):
    """The JSON form of a value in a version payload (as catalog.services.records stores it)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value


def payload_json(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


def payload_digest(payload: dict) -> str:
    return hashlib.sha256(payload_json(payload).encode()).hexdigest()


class _Spec:
    """What differs between record types: lookups, derived fields and cross-field rules."""

    model: type
    derived: tuple[str, ...] = ()

    def __init__(self, provider: Provider):
        self.provider = provider

    def lookup(self, column: Column, text: str):
        raise NotImplementedError

    def derive(self, data: dict) -> None:
        """Fill derived fields in place (never guesses: only published reference figures)."""

    def check(self, data: dict) -> list[tuple[str, str]]:
        """Cross-field rules as (field name, message)."""
        return []


class _ResourceSpec(_Spec):
    model = ComputeResource
    derived = ("accelerator", "province_code", "city_code")

    def __init__(self, provider):
        super().__init__(provider)
        self.sites_by_code, self.sites_by_name, self.site_location = {}, {}, {}
        names_seen: dict[str, int] = {}
        for pk, code, name, city, province in Site.objects.filter(provider=provider).values_list(
            "pk", "code", "name", "city_id", "province_id"
        ):
            self.sites_by_code[code.strip().lower()] = pk
            names_seen[name.strip().lower()] = names_seen.get(name.strip().lower(), 0) + 1
            self.sites_by_name[name.strip().lower()] = pk
            self.site_location[pk] = (province, city)
        self.ambiguous_names = {name for name, count in names_seen.items() if count > 1}
        theirs = ["pk", *REFERENCE_FIGURES.values()]
        self.accelerators = {
            row[0]: dict(zip(theirs, row[1:], strict=True))
            for row in AcceleratorModel.objects.values_list("name", *theirs)
        }

    def lookup(self, column, text):
        key = text.lower()
        if key in self.sites_by_code:
            return self.sites_by_code[key]
        if key in self.sites_by_name and key not in self.ambiguous_names:
            return self.sites_by_name[key]
        raise CellError(_("本服务商没有编号或名称为“%(value)s”的数据中心站点。") % {"value": text})

    def derive(self, data):
        reference = self.accelerators.get((data.get("accelerator_model") or "").strip())
        data["accelerator"] = reference["pk"] if reference else None
        if reference:
            for ours, theirs in REFERENCE_FIGURES.items():
                if data.get(ours) in (None, ""):
                    data[ours] = reference[theirs]
        data["province_code"], data["city_code"] = self.site_location.get(data.get("site"), ("", ""))

    def check(self, data):
        if data.get("resource_class") == ResourceClass.INTELLIGENT and not data.get("accelerators_per_node"):
            return [("accelerators_per_node", _("智能算力资源请填写每节点加速卡数。"))]
        return []


class _LineSpec(_Spec):
    model = NetworkLine

    def __init__(self, provider):
        super().__init__(provider)
        self.cities = {}
        for code, name in Division.objects.filter(level="city").values_list("code", "name_zh"):
            self.cities[code] = code
            self.cities[name] = code
        self.site_ids = set(Site.objects.values_list("pk", flat=True))

    def lookup(self, column, text):
        if column.name == "from_city":
            if text in self.cities:
                return self.cities[text]
            raise CellError(_("“%(value)s”不是地级行政区划代码或城市名称。") % {"value": text})
        try:
            pk = int(text)
        except ValueError:
            pk = None
        if pk not in self.site_ids:
            raise CellError(_("没有 ID 为“%(value)s”的数据中心站点。") % {"value": text})
        return pk


class _AppSpec(_Spec):
    model = AppService


SPECS: dict[type, type[_Spec]] = {ComputeResource: _ResourceSpec, NetworkLine: _LineSpec, AppService: _AppSpec}


def _match_columns(model, headers: list[str], report: ImportReport) -> list[tuple[int, Column]] | None:
    by_alias = {alias.lower(): column for column in COLUMNS[model] for alias in column.aliases}
    matched, seen = [], set()
    for index, header in enumerate(headers):
        column = by_alias.get(header.lower())
        if column is None:
            if header:
                report.ignored_columns.append(header)
            continue
        if column.name in seen:
            report.add_error(1, header, _("列“%(header)s”重复。") % {"header": header})
            continue
        seen.add(column.name)
        matched.append((index, column))
    if "external_id" not in seen:
        report.add_error(1, "", _("缺少“服务商侧编号”列。"))
        return None
    return matched


class _Importer:
    def __init__(self, *, model, provider, actor, dry_run, source, report):
        self.model, self.provider, self.actor, self.dry_run, self.source = model, provider, actor, dry_run, source
        self.report = report
        self.spec = SPECS[model](provider)
        self.columns = {column.name: column for column in COLUMNS[model]}
        self.describe = DESCRIBE_FIELDS[model]
        self.stored = [name for name in self.describe if name != "resources"]
        self.content_type_id = ContentType.objects.get_for_model(model).pk
        self.defaults = {name: self.columns[name].default if name in self.columns else None for name in self.stored}
        self.required = [(c.name, c.header) for c in self.columns.values() if c.required and c.name in self.stored]
        self.fill = [(name, default) for name, default in self.defaults.items() if default is not None]
        self.decimals = [c.name for c in self.columns.values() if c.kind == "decimal" and c.name in self.describe]
        # Nothing to merge with when the provider has no record of this kind yet (a first import).
        self.fresh = not model.objects.filter(provider=provider).exists()
        self.seen: set[str] = set()
        self.batch: list[tuple[int, dict]] = []
        self.changed_ids: list[int] = []
        self.now = timezone.now()
        self.records_inserter = _Inserter(model)
        self.versions_inserter = _Inserter(RecordVersion)

    # --- reading and per-cell validation -----------------------------------------------------
    def feed(self, table: Table) -> None:
        matched = _match_columns(self.model, table.headers, self.report)
        if matched is None:
            return
        report, spec, add_error = self.report, self.spec, self.report.add_error
        plan = [(index, column.name, column.parse, column.kind == "lookup", column) for index, column in matched]
        width = max(index for index, _column in matched) + 1
        for number, cells in table.rows:
            report.total_rows += 1
            values, bad = {}, False
            if len(cells) < width:
                cells = list(cells) + [None] * (width - len(cells))
            for index, name, parse, is_lookup, column in plan:
                try:
                    value = parse(cells[index])
                    if is_lookup:
                        value = spec.lookup(column, value) if value else None
                except CellError as error:
                    add_error(number, column.header, str(error))
                    bad = True
                    continue
                values[name] = value
            external_id = values.get("external_id") or ""
            if not bad and not external_id:
                add_error(number, self.columns["external_id"].header, _("必填。"))
                bad = True
            if external_id:
                if external_id in self.seen:
                    add_error(
                        number,
                        self.columns["external_id"].header,
                        _("服务商侧编号“%(value)s”在文件中重复出现。") % {"value": external_id},
                    )
                    bad = True
                self.seen.add(external_id)
            if not bad:
                self.batch.append((number, values))
            if len(self.batch) >= BATCH_SIZE:
                self.flush()
        self.flush()

    # --- per-batch: merge with existing records, derive, check, write --------------------------
    def _existing(self, external_ids: list[str]) -> dict[str, dict]:
        if self.fresh:
            return {}
        attnames = [FOREIGN_KEYS.get(name, name) for name in self.stored]
        rows = self.model.objects.filter(provider=self.provider, external_id__in=external_ids).values(
            "pk", "external_id", "version", *attnames
        )
        existing = {}
        for row in rows:
            data = {name: row[FOREIGN_KEYS.get(name, name)] for name in self.stored}
            data["_pk"], data["_version"] = row["pk"], row["version"]
            existing[row["external_id"]] = data
        if "resources" in self.describe and existing:
            through = self.model.resources.through
            links: dict[int, list[int]] = {}
            for owner, resource in through.objects.filter(
                appservice_id__in=[data["_pk"] for data in existing.values()]
            ).values_list("appservice_id", "computeresource_id"):
                links.setdefault(owner, []).append(resource)
            for data in existing.values():
                data["resources"] = sorted(links.get(data["_pk"], []))
        return existing

    def _payload(self, external_id: str, data: dict) -> dict:
        get = data.get
        payload = {"external_id": external_id}
        payload.update(zip(self.describe, map(get, self.describe), strict=True))
        for name in self.decimals:
            value = payload[name]
            if value is not None:
                payload[name] = format(value.normalize(), "f")
        if "resources" in payload and payload["resources"] is None:
            payload["resources"] = []
        return payload  # lists here are lists of str/int already

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        report, add_error = self.report, self.report.add_error
        existing = self._existing([values["external_id"] for _number, values in batch])
        new_rows, updates = [], []
        for number, values in batch:
            external_id = values["external_id"]
            before = existing.get(external_id)
            data = dict(before) if before else dict(self.defaults)
            data.update(values)
            self.spec.derive(data)
            bad = False
            for name, header in self.required:
                if data.get(name) in (None, ""):
                    add_error(number, header, _("必填。"))
                    bad = True
            for name, default in self.fill:
                if data.get(name) is None:
                    data[name] = default  # a blank cell means the field's default
            for name, message in self.spec.check(data):
                add_error(number, self.columns[name].header, message)
                bad = True
            if bad:
                continue
            payload = self._payload(external_id, data)
            if before is None:
                action, changed = "new", ()
                report.created += 1
            else:
                old = self._payload(external_id, before)
                changed = tuple(name for name in self.describe if payload[name] != old[name])
                action = "update" if changed else "skip"
                if changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
            if len(report.preview) < PREVIEW_LIMIT:
                report.preview.append(PreviewRow(number, action, external_id, data.get("name") or "", changed))
            if self.dry_run or not report.ok:
                continue
            if action == "new":
                new_rows.append((external_id, data, payload))
            elif action == "update":
                version = before["_version"] + 1
                updates.append((self._instance(before["_pk"], external_id, data, version=version), payload))
        if not self.dry_run and report.ok:
            self._write(new_rows, updates)

    def _attribute_values(self, data: dict) -> dict:
        values = {FOREIGN_KEYS.get(name, name): data.get(name) for name in self.stored}
        for name in self.spec.derived:
            values["accelerator_id" if name == "accelerator" else name] = data.get(name)
        return values

    def _instance(self, pk, external_id, data, *, version):
        record = self.model(
            pk=pk,
            provider_id=self.provider.pk,
            external_id=external_id,
            version=version,
            **self._attribute_values(data),
        )
        record.updated_at = self.now
        return record

    def _write(self, new_rows, updates) -> None:
        versions = []
        if new_rows:
            common = {
                "provider_id": self.provider.pk,
                "listing_state": ListingState.PENDING.value,
                "version": 1,
                "created_at": self.now,
                "updated_at": self.now,
            }
            renames = [(FOREIGN_KEYS.get(name, name), name) for name in self.stored if name in FOREIGN_KEYS]
            if "accelerator" in self.spec.derived:
                renames.append(("accelerator_id", "accelerator"))
            rows = []
            for external_id, data, _payload in new_rows:
                row = {**data, **common, "external_id": external_id}  # extra keys are ignored
                for attname, name in renames:
                    row[attname] = data.get(name)
                rows.append(row)
            last = self.model.objects.aggregate(last=models.Max("pk"))["last"] or 0
            self.records_inserter.insert(rows)
            # Our rows are the provider's rows above the previous maximum id (mapped by external id).
            ids = dict(self.model.objects.filter(provider=self.provider, pk__gt=last).values_list("external_id", "pk"))
            for external_id, _data, payload in new_rows:
                versions.append(self._version(ids[external_id], 1, payload))
                self.changed_ids.append(ids[external_id])
        if updates:
            fields = [FOREIGN_KEYS.get(name, name) for name in self.stored]
            fields += ["accelerator_id" if name == "accelerator" else name for name in self.spec.derived]
            fields += ["version", "updated_at"]
            self.model.objects.bulk_update([record for record, _payload in updates], fields, batch_size=500)
            for record, payload in updates:
                versions.append(self._version(record.pk, record.version, payload))
                self.changed_ids.append(record.pk)
        self.versions_inserter.insert(versions, raw=("payload",) if connection.vendor == "sqlite" else ())

    def _version(self, pk: int, version: int, payload: dict) -> dict:
        text = payload_json(payload)
        return {
            "content_type_id": self.content_type_id,
            "object_id": pk,
            "version": version,
            "change": IMPORT_CHANGE,
            # SQLite stores JSON as text: the text already made for the digest is the value
            "payload": text if connection.vendor == "sqlite" else payload,
            "payload_hash": hashlib.sha256(text.encode()).hexdigest(),
            "source": str(self.source),
            "api_key_id": None,
            "actor_id": self.actor.pk if self.actor else None,
            "created_at": self.now,
        }


class _Inserter:
    """INSERT … VALUES in executemany batches, straight from dicts of column values.

    What bulk_create does per object (instantiate a model, pre_save and prepare every field) is done
    here once per column: only fields whose Python value needs adapting for the database (JSON,
    dates) are adapted; ints, text and Decimals (both sqlite3, as registered by Django, and psycopg
    adapt them) pass as they are, and each row's parameters are picked with one C-level itemgetter.
    Works on SQLite and PostgreSQL alike.
    """

    PASS_THROUGH = (
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.DecimalField,
        models.ForeignKey,
        models.BooleanField,
    )

    def __init__(self, model):
        concrete = [column for column in model._meta.concrete_fields if not column.primary_key]
        self.attnames = [column.attname for column in concrete]
        # A column the caller does not know about (added later) gets the field's default.
        self.base = {column.attname: column.get_default() for column in concrete}
        self.adapters = []
        for column in concrete:
            if isinstance(column, models.JSONField):
                # Django's own adaptation on SQLite is json.dumps(value); elsewhere let the field do it
                adapt = json.dumps if connection.vendor == "sqlite" and column.encoder is None else None
                self.adapters.append((column.attname, adapt or self._field_adapter(column)))
            elif not isinstance(column, self.PASS_THROUGH):
                self.adapters.append((column.attname, self._field_adapter(column)))
        self.pick = operator.itemgetter(*self.attnames)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column.column) for column in concrete)
        placeholders = ", ".join(["%s"] * len(concrete))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"

    @staticmethod
    def _field_adapter(field):
        cache: dict = {}  # e.g. the same timestamp on every row is adapted once

        def adapt(value):
            try:
                return cache[value]
            except (KeyError, TypeError):
                adapted = field.get_db_prep_save(value, connection)
                if isinstance(value, dt.datetime):
                    cache[value] = adapted
                return adapted

        return adapt

    def insert(self, rows: list[dict], *, raw: tuple[str, ...] = ()) -> None:
        """``raw``: columns whose values are already in database form (e.g. JSON text on SQLite)."""
        if not rows:
            return
        base, pick = self.base, self.pick
        adapters = [(name, adapt) for name, adapt in self.adapters if name not in raw]
        params = []
        for row in rows:
            full = {**base, **row}
            for name, adapt in adapters:
                full[name] = adapt(full[name])
            params.append(pick(full))
        with connection.cursor() as cursor:
            for start in range(0, len(params), BATCH_SIZE):
                cursor.executemany(self.sql, params[start : start + BATCH_SIZE])


@contextlib.contextmanager
def _sqlite_page_cache(kib: int = 65536):
    """A larger SQLite page cache for the import's connection while it runs (the resource table has
    a dozen indexes; with the default 2 MB cache their pages keep being evicted), then the old size."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def records_import(
    *,
    model: type,
    provider: Provider,
    table: Table,
    actor: User | None = None,
    dry_run: bool = False,
    source: str = IMPORT_SOURCE,
) -> ImportReport:
    """Import one file's rows as ``provider``'s records of ``model`` (keyed on the provider's
    external id; the provider is never read from the file). Returns the report; writes only if
    every row is valid and ``dry_run`` is false. New records arrive pending (operators approve)."""
    report = ImportReport(model=model, dry_run=dry_run)
    importer = _Importer(model=model, provider=provider, actor=actor, dry_run=dry_run, source=source, report=report)
    try:
        if dry_run:
            importer.feed(table)
            return report
        with _sqlite_page_cache(), transaction.atomic():
            importer.feed(table)
            if not report.ok:
                transaction.set_rollback(True)
                return report
            report.record_ids = importer.changed_ids
            if importer.changed_ids:
                records_changed_announce(model=model, record_ids=importer.changed_ids, change=IMPORT_CHANGE)
    except FileError as error:
        report.add_error(0, "", str(error))
    except IntegrityError:
        # Another import or an API call created the same external id meanwhile: nothing was written.
        report.add_error(0, "", _("导入期间同一编号的记录被其他操作修改，未写入任何数据，请重新导入。"))
    return report
