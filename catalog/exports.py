"""CSV export of the identifier library (formula characters escaped so spreadsheets never execute them)."""

import csv

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from .models import Identifier, IdentifierClass, IdentifierState

HEADER = ["算力标识", "类别", "状态", "记录名称", "服务商", "所在地区代码", "发放时间", "备案时间"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


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
    writer = csv.writer(response)
    for row in identifier_rows(queryset):
        writer.writerow(row)
    return response
