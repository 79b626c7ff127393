"""The columns of an import file: Chinese headers, the model field behind each, and its parser
(catalog/imports/parsers.py). One table per record type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import AppService, ComputeResource, NetworkLine
from .parsers import MANY, PARSERS, list_many, list_parser, lookup_parser


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in files
    name: str  # the model field (or a lookup key: "site", "from_city", "to_site")
    kind: str  # text | int | decimal | choice | list | lookup
    required: bool = False  # must have a value for a new record
    parse: Callable = field(default=None, compare=False, repr=False)
    default: object = None
    # parse() over a column of str cells at once, or None when that column needs parse() cell by cell
    many: Callable | None = field(default=None, compare=False, repr=False)

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.header, self.name)


def _column(model, header: str, name: str, kind: str, *, required: bool = False) -> Column:
    if kind == "lookup":  # resolved against an import's own tables: column-wise by the importer
        return Column(header, name, kind, required, lookup_parser())
    if kind == "list":
        return Column(header, name, kind, required, list_parser(), default=[], many=list_many())
    model_field = model._meta.get_field(name)
    default = model_field.get_default() if model_field.has_default() else ("" if kind == "text" else None)
    return Column(header, name, kind, required, PARSERS[kind](model_field), default, MANY[kind](model_field))


def _table(model, rows) -> tuple[Column, ...]:
    return tuple(_column(model, *row[:3], required=row[3] if len(row) > 3 else False) for row in rows)


COMPUTE_RESOURCE_COLUMNS = _table(
    ComputeResource,
    [
        ("服务商侧编号", "external_id", "text", True),
        ("名称", "name", "text", True),
        ("说明", "description", "text"),
        ("数据中心站点编号", "site", "lookup", True),
        ("算力类型", "resource_class", "choice", True),
        ("加速卡厂商", "accelerator_vendor", "text"),
        ("加速卡型号", "accelerator_model", "text"),
        ("每节点加速卡数（张）", "accelerators_per_node", "int"),
        ("节点数（台）", "node_count", "int", True),
        ("CPU 架构", "cpu_architecture", "choice"),
        ("每节点 vCPU（个）", "vcpus_per_node", "int"),
        ("每节点内存（GB）", "memory_gb_per_node", "int"),
        ("每卡显存（GB）", "accelerator_memory_gb", "int"),
        ("存储容量（TB）", "storage_tb", "decimal"),
        ("每卡 FP64 峰值（TFLOPS）", "fp64_tflops_per_card", "decimal"),
        ("每卡 FP32 峰值（TFLOPS）", "fp32_tflops_per_card", "decimal"),
        ("每卡 FP16 稠密峰值（TFLOPS）", "fp16_tflops_per_card", "decimal"),
        ("每卡 INT8 稠密峰值（TOPS）", "int8_tops_per_card", "decimal"),
        ("互联方式", "interconnect", "text"),
        ("计费单位", "billing_unit", "choice"),
        ("单价（元/计费单位）", "price_yuan", "decimal", True),
        ("当前可用数量", "available_units", "int"),
        ("运行状态", "state", "choice"),
        ("SLA 可用性（%）", "sla_availability_percent", "decimal"),
        ("认证", "certifications", "list"),
    ],
)

NETWORK_LINE_COLUMNS = _table(
    NetworkLine,
    [
        ("服务商侧编号", "external_id", "text", True),
        ("名称", "name", "text", True),
        ("说明", "description", "text"),
        ("线路类型", "kind", "choice", True),
        ("起点城市代码", "from_city", "lookup", True),
        ("终点数据中心站点ID", "to_site", "lookup", True),
        ("带宽（Mbps）", "bandwidth_mbps", "int", True),
        ("时延（毫秒）", "latency_ms", "decimal"),
        ("抖动（毫秒）", "jitter_ms", "decimal"),
        ("月租（元/月）", "price_yuan_per_month", "decimal", True),
        ("运行状态", "state", "choice"),
    ],
)

APP_SERVICE_COLUMNS = _table(
    AppService,
    [
        ("服务商侧编号", "external_id", "text", True),
        ("名称", "name", "text", True),
        ("说明", "description", "text"),
        ("服务类型", "kind", "choice", True),
        ("价格（元/计价单位）", "price_yuan", "decimal"),
        ("计价单位", "pricing_unit", "text"),
        ("当前可用数量", "available_units", "int"),
        ("运行状态", "state", "choice"),
    ],
)

COLUMNS: dict[type, tuple[Column, ...]] = {
    ComputeResource: COMPUTE_RESOURCE_COLUMNS,
    NetworkLine: NETWORK_LINE_COLUMNS,
    AppService: APP_SERVICE_COLUMNS,
}

# The record types an import can target, by the short name used in URLs and on the command line.
MODELS: dict[str, type] = {"resource": ComputeResource, "line": NetworkLine, "app": AppService}


def model_key(model: type) -> str:
    return {value: key for key, value in MODELS.items()}[model]
