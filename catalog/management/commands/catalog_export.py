"""Export the public catalogue (approved compute resources) or one provider's own records.

manage.py catalog_export --format xlsx --output catalogue.xlsx
manage.py catalog_export --provider 91510100MA6CXXXXXX --kind line --format csv   # import columns
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from catalog.exports import provider_records_export_response, public_resource_export_response
from catalog.imports import MODELS
from catalog.models import ComputeResource

from .catalog_import import provider_lookup


class Command(BaseCommand):
    help = "导出公开算力目录（CSV/XLSX/JSON），或某服务商自己的记录（导入模板格式）。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("--output", help="输出文件（默认标准输出；XLSX 必须指定）")
        parser.add_argument("--provider", help="服务商的统一社会信用代码或 ID：导出其全部记录（导入列）")
        parser.add_argument("--kind", choices=sorted(MODELS), default="resource")

    def handle(self, *args, **options):
        fmt = options["format"]
        if options["provider"]:
            if fmt == "json":
                raise CommandError("服务商记录导出只支持 CSV 或 XLSX。")
            provider = provider_lookup(options["provider"])
            response = provider_records_export_response(model=MODELS[options["kind"]], provider=provider, fmt=fmt)
        else:
            if options["kind"] != "resource":
                raise CommandError("公开目录导出目前只包括算力资源（--kind resource）。")
            response = public_resource_export_response(queryset=ComputeResource.objects.all(), fmt=fmt)
        chunks = response.streaming_content if response.streaming else [response.content]
        if options["output"]:
            with open(options["output"], "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            self.stderr.write(f"已写入 {options['output']}")
        elif fmt == "xlsx":
            raise CommandError("XLSX 请用 --output 指定文件。")
        else:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk if isinstance(chunk, bytes) else chunk.encode())
