"""Exports: the identifier library (CSV), the public catalogue (CSV / XLSX / JSON) and a provider's own
records in the import file's columns. Text cells are formula-escaped so spreadsheets never execute them."""

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from .models import ComputeResource, Identifier, IdentifierClass, IdentifierState
from .spreadsheets import SpreadsheetCSVWriter, spreadsheet_cell

HEADER = ["算力标识", "类别", "状态", "记录名称", "服务商", "所在地区代码", "发放时间", "备案时间"]


def _cell(value) -> str:
    return spreadsheet_cell("" if value is None else str(value))


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def identifier_rows(queryset):
    yield HEADER
    queryset = queryset.select_related(
        "resource__provider__organization",
        "line__provider__organization",
        "app_service__provider__organization",
    )
    for identifier in queryset.iterator(chunk_size=2000):
        record = identifier.record
        yield [
            _cell(identifier.code),
            _cell(IdentifierClass(identifier.class_code).label),
            _cell(IdentifierState(identifier.state).label),
            _cell(record.name),
            _cell(record.provider.organization.name),
            _cell(record.division_code),
            _local(identifier.issued_at),
            _local(identifier.filed_at),
        ]


def identifier_csv_response(queryset: QuerySet[Identifier]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="identifiers-{stamp}.csv"'
    response.write("\ufeff")  # BOM: Excel opens UTF-8 Chinese correctly
    writer = SpreadsheetCSVWriter(response)
    for row in identifier_rows(queryset):
        writer.writerow(row)
    return response


# --- The public catalogue (CSV / XLSX / JSON), and a provider's own records in import format -----

PUBLIC_RESOURCE_COLUMNS = [
    # (JSON key, Chinese header, value of a record)
    ("identifier", "算力标识", lambda r: _identifier_code(r)),
    ("name", "名称", lambda r: r.name),
    ("provider", "服务商", lambda r: r.provider.organization.name),
    ("provider_uscc", "服务商统一社会信用代码", lambda r: r.provider.organization.uscc),
    ("province_code", "省级行政区划代码", lambda r: r.province_code),
    ("city_code", "地级行政区划代码", lambda r: r.city_code),
    ("city", "城市", lambda r: r.site.city.name_zh if r.site_id else ""),
    ("site", "数据中心", lambda r: r.site.name if r.site_id else ""),
    ("resource_class", "算力类型", lambda r: _label(r, "resource_class")),
    ("accelerator_vendor", "加速卡厂商", lambda r: r.accelerator_vendor),
    ("accelerator_model", "加速卡型号", lambda r: r.accelerator_model),
    ("accelerators_per_node", "每节点加速卡数（张）", lambda r: r.accelerators_per_node),
    ("node_count", "节点数（台）", lambda r: r.node_count),
    ("cpu_architecture", "CPU 架构", lambda r: _label(r, "cpu_architecture")),
    ("vcpus_per_node", "每节点 vCPU（个）", lambda r: r.vcpus_per_node),
    ("memory_gb_per_node", "每节点内存（GB）", lambda r: r.memory_gb_per_node),
    ("accelerator_memory_gb", "每卡显存（GB）", lambda r: r.accelerator_memory_gb),
    ("storage_tb", "存储容量（TB）", lambda r: r.storage_tb),
    ("fp64_tflops_per_card", "每卡 FP64 峰值（TFLOPS）", lambda r: r.fp64_tflops_per_card),
    ("fp32_tflops_per_card", "每卡 FP32 峰值（TFLOPS）", lambda r: r.fp32_tflops_per_card),
    ("fp16_tflops_per_card", "每卡 FP16 稠密峰值（TFLOPS）", lambda r: r.fp16_tflops_per_card),
    ("int8_tops_per_card", "每卡 INT8 稠密峰值（TOPS）", lambda r: r.int8_tops_per_card),
    ("interconnect", "互联方式", lambda r: r.interconnect),
    ("billing_unit", "计费单位", lambda r: _label(r, "billing_unit")),
    ("price_yuan", "单价（元/计费单位）", lambda r: r.price_yuan),
    ("available_units", "当前可用数量", lambda r: r.available_units),
    ("state", "运行状态", lambda r: _label(r, "state")),
    ("sla_availability_percent", "SLA 可用性（%）", lambda r: r.sla_availability_percent),
    ("certifications", "认证", lambda r: r.certifications or []),
    ("updated_at", "更新时间", lambda r: r.updated_at),
]
EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def _identifier_code(record) -> str:
    try:
        return record.identifier.code
    except Identifier.DoesNotExist:
        return ""


def _label(record, name: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(getattr(record, f"get_{name}_display")())


def _sheet_value(value):
    """A cell for CSV/XLSX: numbers stay numbers, text is formula-escaped, lists joined."""
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, list):
        return _cell("；".join(str(item) for item in value))
    if hasattr(value, "tzinfo"):
        return _local(value)
    return _cell(value)


def _json_value(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value


def _filename(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_stream(header: list[str], rows):
    class Echo:
        def write(self, value):
            return value

    writer = SpreadsheetCSVWriter(Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if cell is None else cell for cell in row])


def _xlsx_bytes(title: str, header: list[str], rows) -> bytes:
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def table_response(*, header: list[str], rows, fmt: str, stem: str, title: str, json_keys: list[str] | None = None):
    """A download of a table as CSV (streamed, BOM for Excel), XLSX (write-only) or JSON (streamed)."""
    from django.http import StreamingHttpResponse

    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(header, rows), content_type=EXPORT_CONTENT_TYPES["csv"])
    elif fmt == "xlsx":
        response = HttpResponse(_xlsx_bytes(title, header, rows), content_type=EXPORT_CONTENT_TYPES["xlsx"])
    elif fmt == "json":
        import json

        keys = json_keys or header

        def stream():
            yield "["
            for index, row in enumerate(rows):
                item = {key: _json_value(value) for key, value in zip(keys, row, strict=True)}
                yield ("," if index else "") + json.dumps(item, ensure_ascii=False)
            yield "]"

        response = StreamingHttpResponse(stream(), content_type=EXPORT_CONTENT_TYPES["json"])
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return _attachment(response, _filename(stem, fmt))


def public_resource_rows(queryset, *, for_json: bool = False):
    """Rows of approved resources only, whatever queryset is passed (unpublished records never leak)."""
    from .models import ListingState

    queryset = queryset.filter(listing_state=ListingState.APPROVED).select_related(
        "provider__organization", "site__city", "identifier"
    )
    for record in queryset.iterator(chunk_size=2000):
        values = [getter(record) for _key, _header, getter in PUBLIC_RESOURCE_COLUMNS]
        yield values if for_json else [_sheet_value(value) for value in values]


def public_resource_export_response(*, queryset, fmt: str):
    """The public catalogue's compute resources (the caller's filtered queryset) as CSV, XLSX or JSON."""
    return table_response(
        header=[header for _key, header, _getter in PUBLIC_RESOURCE_COLUMNS],
        json_keys=[key for key, _header, _getter in PUBLIC_RESOURCE_COLUMNS],
        rows=public_resource_rows(queryset, for_json=fmt == "json"),
        fmt=fmt,
        stem="compute-resources",
        title="算力资源",
    )


def provider_records_rows(*, model, provider):
    """A provider's own records in the import file's columns (a template when there are none)."""
    from .imports.columns import COLUMNS
    from .imports.resources import RESOURCES

    resource = RESOURCES[model]()
    fields = [resource.fields[column.name] for column in COLUMNS[model]]
    yield [column.header for column in COLUMNS[model]]
    queryset = model.objects.filter(provider=provider).select_related("provider__organization").order_by("external_id")
    if model is ComputeResource:
        queryset = queryset.select_related("site")
    for record in queryset.iterator(chunk_size=2000):
        yield [_sheet_value(resource.export_field(field, record)) for field in fields]


def provider_records_export_response(*, model, provider, fmt: str):
    rows = provider_records_rows(model=model, provider=provider)
    header = next(rows)
    return table_response(
        header=header, rows=rows, fmt=fmt, stem=f"{model._meta.model_name}-import", title=str(model._meta.verbose_name)
    )
