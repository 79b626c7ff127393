"""Import a CSV or XLSX file of one provider's records from the shell (the fast, all-or-nothing path).

    manage.py catalog_import resources.xlsx --provider 91510100MA6CXXXXXX [--kind resource] [--dry-run]

Prints every bad row (row number, column, message) and exits non-zero when there is one; then
nothing has been written.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from catalog.imports import MODELS, file_import, guess_format
from catalog.imports.readers import FileError
from catalog.models import Provider


def provider_lookup(value: str) -> Provider:
    """A provider by its organisation's unified social credit code or by its id."""
    value = value.strip()
    provider = Provider.objects.select_related("organization").filter(organization__uscc=value.upper()).first()
    if provider is None and value.isdigit():
        provider = Provider.objects.select_related("organization").filter(pk=int(value)).first()
    if provider is None:
        raise CommandError(f"没有统一社会信用代码或 ID 为“{value}”的服务商。")
    return provider


class Command(BaseCommand):
    help = "批量导入服务商的算力资源、网络线路或应用服务（CSV/XLSX，全部成功才写入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument("--provider", required=True, help="服务商的统一社会信用代码或 ID")
        parser.add_argument("--kind", choices=sorted(MODELS), default="resource", help="记录类型（默认 resource）")
        parser.add_argument("--format", choices=["csv", "xlsx"], help="文件格式（默认按扩展名）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并预览，不写入")

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            fmt = options["format"] or guess_format(path.name)
        except FileError as error:
            raise CommandError(str(error)) from None
        provider = provider_lookup(options["provider"])
        model = MODELS[options["kind"]]
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = file_import(model=model, provider=provider, stream=stream, fmt=fmt, dry_run=options["dry_run"])
        elapsed = time.perf_counter() - started
        for error in report.errors:
            where = f"第 {error.row} 行" if error.row else "文件"
            column = f"【{error.column}】" if error.column else ""
            self.stderr.write(f"{where}{column}：{error.message}")
        if report.error_count > len(report.errors):
            self.stderr.write(f"……另有 {report.error_count - len(report.errors)} 个错误未列出。")
        if report.ignored_columns:
            self.stdout.write("已忽略的列：" + "、".join(report.ignored_columns))
        summary = (
            f"{provider} · {model._meta.verbose_name}：共 {report.total_rows} 行，"
            f"新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}（{elapsed:.2f} 秒）"
        )
        if not report.ok:
            raise CommandError(f"{len(report.error_rows)} 行有错误，未写入任何数据。{summary}")
        self.stdout.write(("预演（未写入）：" if report.dry_run else "已导入：") + summary)
