"""django-import-export resources of the catalogue, keyed on (provider, external id).

``ComputeResourceResource``, ``NetworkLineResource`` and ``AppServiceResource`` are ordinary 4.x
ModelResources with Chinese headers: the provider is given to the constructor and forced on every
row (the instance loader only sees that provider's records, so another provider's record can never
be loaded, let alone changed). They import row by row with import-export's machinery and also serve
the operators' exports.

``Fast*Resource`` subclasses plug the project's fast path (``catalog.imports.engine``) into the same
interface by overriding ``import_data``: the admin keeps import-export's upload → preview → confirm
screens, and every write goes through the one bulk, all-or-nothing, versioned path.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import Error, Result, RowResult

from ..models import AppService, ComputeResource, NetworkLine, RecordVersion
from ..services import records_changed_append
from ..spreadsheets import spreadsheet_cell
from .columns import COLUMNS, Column
from .engine import FOREIGN_KEYS, IMPORT_CHANGE, IMPORT_SOURCE, records_import
from .parsers import CellError
from .readers import table_from_rows
from .report import canonical, payload_digest
from .specs import SPECS


class ColumnWidget(widgets.Widget):
    """Parses a cell with the column's parser (Chinese messages) and renders it for export."""

    def __init__(self, column: Column, spec=None):
        super().__init__()
        self.column, self.spec = column, spec
        self.labels = {}
        if column.kind == "choice":
            model_field = None
            for model, table in COLUMNS.items():
                if column in table:
                    model_field = model._meta.get_field(column.name)
            with translation.override("zh-hans"):
                self.labels = {value: str(label) for value, label in model_field.flatchoices}

    def clean(self, value, row=None, **kwargs):
        try:
            cleaned = self.column.parse(value)
            if self.column.kind == "lookup":
                if not cleaned:
                    return None
                if self.spec is None:
                    raise CellError("no provider")
                return self.spec.lookup(self.column, cleaned)
            return cleaned
        except CellError as error:
            raise ValueError(str(error)) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self.column.kind == "choice":
            return self.labels.get(value, value)
        if self.column.kind == "list":
            return "；".join(value)
        if self.column.kind == "decimal":
            return canonical(value)
        return spreadsheet_cell(value)


class RecordResource(resources.ModelResource):
    """A record type's columns, keyed on the provider's external id, versioned like API changes."""

    def __init__(self, provider=None, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.provider, self.actor = provider, actor
        model = self._meta.model
        self.spec = SPECS[model](provider) if provider is not None else None
        self.columns = {column.name: column for column in COLUMNS[model]}
        for field in self.fields.values():
            if isinstance(field.widget, ColumnWidget):
                field.widget = ColumnWidget(field.widget.column, self.spec)
        self.changed_ids: list[int] = []

    # --- import: row by row, import-export's own machinery ------------------------------------
    def get_queryset(self):
        queryset = self._meta.model.objects.select_related("provider__organization")
        return queryset.filter(provider=self.provider) if self.provider is not None else queryset.none()

    def _payload(self, instance) -> dict:
        from ..services.records import DESCRIBE_FIELDS

        payload = {"external_id": instance.external_id}
        for name in DESCRIBE_FIELDS[type(instance)]:
            if name == "resources":
                payload[name] = sorted(instance.resources.values_list("pk", flat=True)) if instance.pk else []
            else:
                payload[name] = canonical(getattr(instance, FOREIGN_KEYS.get(name, name)))
        return payload

    def import_instance(self, instance, row, **kwargs):
        if self.provider is None:
            raise ValidationError({NON_FIELD_ERRORS: [_("请先选择服务商。")]})
        instance._import_before = self._payload(instance) if instance.pk else None
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        data = {name: getattr(instance, FOREIGN_KEYS.get(name, name)) for name in self._stored()}
        self.spec.derive(data)
        for name, column in self.columns.items():
            attribute = FOREIGN_KEYS.get(name, name)
            if name in data and column.required and data[name] in (None, "") and attribute not in errors:
                errors.setdefault(attribute, []).append(_("必填。"))
            elif name in data and data[name] is None and column.default is not None:
                data[name] = column.default
        for name, message in self.spec.check(data):
            errors.setdefault(FOREIGN_KEYS.get(name, name), []).append(message)
        if errors:
            raise ValidationError(errors)
        for name, value in data.items():
            setattr(instance, "accelerator_id" if name == "accelerator" else FOREIGN_KEYS.get(name, name), value)

    def _stored(self):
        from ..services.records import DESCRIBE_FIELDS

        names = [name for name in DESCRIBE_FIELDS[self._meta.model] if name != "resources"]
        return names + list(self.spec.derived)

    def before_save_instance(self, instance, row, **kwargs):
        instance.provider = self.provider
        payload = self._payload(instance)
        before = instance._import_before
        instance._import_payload = payload if before is None or payload != before else None
        if before is not None and payload != before:
            instance.version += 1

    def after_save_instance(self, instance, row, **kwargs):
        payload = instance._import_payload
        if payload is None:
            return
        RecordVersion.objects.create(
            content_type_id=self._content_type_id(),
            object_id=instance.pk,
            version=instance.version,
            change=IMPORT_CHANGE,
            payload=payload,
            payload_hash=payload_digest(payload),
            source=IMPORT_SOURCE,
            actor=self.actor,
        )
        self.changed_ids.append(instance.pk)

    def _content_type_id(self):
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_model(self._meta.model).pk

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        # All or nothing: a row with a validation error rolls the whole import back.
        kwargs.setdefault("rollback_on_validation_errors", True)
        self.changed_ids = []
        return super().import_data(dataset, dry_run, raise_errors, use_transactions, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.changed_ids:  # discarded with the transaction on a dry run or an error
            records_changed_append(model=self._meta.model, record_ids=self.changed_ids, change=IMPORT_CHANGE)

    # --- export -------------------------------------------------------------------------------
    def dehydrate_provider_name(self, record):
        return spreadsheet_cell(record.provider.organization.name)

    def dehydrate_identifier_code(self, record):
        identifier = getattr(record, "identifier", None)
        return identifier.code if identifier is not None else ""

    def dehydrate_listing_state(self, record):
        with translation.override("zh-hans"):
            return str(record.get_listing_state_display())


def _resource_class(model, class_name: str, lookups: dict[str, str]):
    attrs, names = {}, []
    for column in COLUMNS[model]:
        attribute = FOREIGN_KEYS.get(column.name, column.name)
        attrs[column.name] = fields.Field(
            attribute=attribute,
            column_name=column.header,
            widget=ColumnWidget(column),
            **({"default": column.default} if column.default not in (None, "") else {}),
        )
        names.append(column.name)
    for name, method in lookups.items():
        attrs[method] = _dehydrate_lookup(name)
    attrs["provider_name"] = fields.Field(column_name="服务商", readonly=True)
    attrs["identifier_code"] = fields.Field(column_name="算力标识", readonly=True)
    attrs["listing_state"] = fields.Field(column_name="上架状态", readonly=True)
    names += ["provider_name", "identifier_code", "listing_state"]
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": tuple(names),
            "import_order": tuple(column.name for column in COLUMNS[model]),
            "export_order": tuple(names),
            "import_id_fields": ("external_id",),
            "name": str(model._meta.verbose_name),
        },
    )
    attrs["Meta"] = meta
    attrs["__module__"] = __name__
    return type(class_name, (RecordResource,), attrs)


def _dehydrate_lookup(name):
    def dehydrate(self, record):
        if name == "site":
            return spreadsheet_cell(record.site.code) if record.site_id else ""
        if name == "from_city":
            return record.from_city_id or ""
        if name == "to_site":
            return record.to_site_id or ""
        return ""

    return dehydrate


ComputeResourceResource = _resource_class(ComputeResource, "ComputeResourceResource", {"site": "dehydrate_site"})
NetworkLineResource = _resource_class(
    NetworkLine, "NetworkLineResource", {"from_city": "dehydrate_from_city", "to_site": "dehydrate_to_site"}
)
AppServiceResource = _resource_class(AppService, "AppServiceResource", {})


# --- the fast path behind import-export's interface ---------------------------------------------
def report_to_result(report, headers: list[str], rows) -> Result:
    """An import-export Result (what the admin's preview renders) from the fast path's report."""
    result = Result()
    result.diff_headers = list(headers)
    result.total_rows = report.total_rows
    rows = list(rows)
    by_row: dict[int, dict[str, list[str]]] = {}
    for error in report.errors:
        if error.row == 0:
            result.append_base_error(Error(ValueError(error.message)))
            continue
        key = error.column or NON_FIELD_ERRORS
        by_row.setdefault(error.row, {}).setdefault(key, []).append(error.message)
    for number, messages in sorted(by_row.items()):
        values = rows[number - 2] if 0 <= number - 2 < len(rows) else ()
        row = dict(zip(headers, values, strict=False))
        result.append_invalid_row(number, row, ValidationError(messages))
    kinds = {
        "new": RowResult.IMPORT_TYPE_NEW,
        "update": RowResult.IMPORT_TYPE_UPDATE,
        "skip": RowResult.IMPORT_TYPE_SKIP,
    }
    for preview in report.preview if report.ok else ():
        row_result = RowResult()
        row_result.import_type = kinds[preview.action]
        values = rows[preview.row - 2] if 0 <= preview.row - 2 < len(rows) else ()
        row_result.diff = ["" if value is None else value for value in values]
        row_result.object_repr = preview.name
        result.append_row_result(row_result)
    result.totals[RowResult.IMPORT_TYPE_NEW] = report.created
    result.totals[RowResult.IMPORT_TYPE_UPDATE] = report.updated
    result.totals[RowResult.IMPORT_TYPE_SKIP] = report.unchanged
    result.totals[RowResult.IMPORT_TYPE_INVALID] = len(report.error_rows)
    result.report = report
    return result


class FastImportMixin:
    """Replace import-export's row-by-row import with the fast path (same validation, bulk writes)."""

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        headers = list(dataset.headers or [])
        rows = [list(row) for row in dataset]
        if self.provider is None:
            result = Result()
            result.append_base_error(Error(ValueError(_("请先选择服务商。"))))
            return result
        report = records_import(
            model=self._meta.model,
            provider=self.provider,
            table=table_from_rows(headers, rows),
            actor=self.actor or kwargs.get("user"),
            dry_run=dry_run,
        )
        return report_to_result(report, headers, rows)


class FastComputeResourceResource(FastImportMixin, ComputeResourceResource):
    pass


class FastNetworkLineResource(FastImportMixin, NetworkLineResource):
    pass


class FastAppServiceResource(FastImportMixin, AppServiceResource):
    pass


RESOURCES = {ComputeResource: ComputeResourceResource, NetworkLine: NetworkLineResource, AppService: AppServiceResource}
FAST_RESOURCES = {
    ComputeResource: FastComputeResourceResource,
    NetworkLine: FastNetworkLineResource,
    AppService: FastAppServiceResource,
}
