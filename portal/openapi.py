"""drf-spectacular hooks: the published schema is the node's standard interface, nothing else."""

import re

PUBLIC_API_PREFIX = "/api/v1/"


def only_standard_interface(endpoints, **kwargs):
    """Drop endpoints outside /api/v1/ (Wagtail's admin API under /cms/ is internal)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(PUBLIC_API_PREFIX)]


# Developer docstrings (English prose, for the code's readers) are no documentation for the node's users:
# four English words in a row and no Chinese character mark one.
ENGLISH_PROSE = re.compile(r"[A-Za-z][A-Za-z'’,.()]*(?:\s+[A-Za-z][A-Za-z'’,.()]*){3,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Examples that read like a real record (Swagger UI otherwise builds them from the bounds and patterns:
# 9223372036854776000 cards, a price of "-438359.0"). By field name, the same meaning everywhere.
EXAMPLES: dict[str, int | str] = {
    "accelerators_per_node": 8,
    "accelerator_memory_gb": 80,
    "node_count": 16,
    "vcpus_per_node": 128,
    "memory_gb_per_node": 1024,
    "storage_tb": "64.00",
    "fp64_tflops_per_card": "9.70",
    "fp32_tflops_per_card": "19.50",
    "fp16_tflops_per_card": "312.00",
    "int8_tops_per_card": "624.00",
    "sla_availability_percent": "99.900",
    "available_units": 96,
    "total_cards": 128,
    "cards": 64,
    "units": 64,
    "hours": 720,
    "card_hours": "720.000",
    "price_yuan": "12.00",
    "unit_price_yuan": "12.00",
    "price_yuan_per_month": "30000.00",
    "compute_price_yuan": "552960.00",
    "compute_yuan": "552960.00",
    "line_price_yuan": "30000.00",
    "line_yuan": "30000.00",
    "total_price_yuan": "582960.00",
    "total_yuan": "582960.00",
    "amount_yuan": "8640.00",
    "budget_yuan": "600000.00",
    "bandwidth_mbps": 10000,
    "latency_ms": "4.20",
    "jitter_ms": "0.30",
    "max_latency_ms": "5.00",
    "min_fp16_tflops_total": "10000.00",
    "min_reliability_percent": "99.90",
    "pue": "1.25",
    "score": "86.50",
    "rank": 1,
    "match_rank": 1,
    "year": 2026,
    "page": 1,
    "page_size": 20,
    "num_pages": 3,
    "count": 42,
    "total_count": 42,
    "request_key": "3f9c2a7b5d1e8f40",
}
JSON_TYPES = {"integer": int, "string": str}
# What the dropped docstrings said that users need, in Chinese (first matching path prefix).
OPERATION_NOTES = [
    ("/api/v1/applications/", "只返回当前登录用户所在单位的申报；其他单位的申报编号一律返回 404。"),
    ("/api/v1/catalog/", "按算力标识读取一条公开记录（即记录页 /catalog/r/<标识>/ 的数据）。"),
    ("/api/v1/content/", "匿名只读，与 /api/v1/ 的其他接口一样限流。"),
    ("/api/v1/provider/sites/", "只列出该密钥所属服务商自己的站点。"),
    (
        "/api/v1/provider/",
        "只能访问该密钥所属服务商自己的记录，其他服务商的编号返回 404；每次变更都留有版本（密钥及其创建人）。"
        "入门见 /catalog/provider/api-quickstart/。",
    ),
]


def _is_developer_note(text: str) -> bool:
    return bool(text) and not CHINESE.search(text) and bool(ENGLISH_PROSE.search(text))


def chinese_docs_and_examples(result, generator, request, public):
    """Postprocessing hook: no English developer docstrings in the published document, and examples
    that make sense for the fields a provider or buyer fills in."""
    for path, operations in result.get("paths", {}).items():
        note = next((text for prefix, text in OPERATION_NOTES if path.startswith(prefix)), None)
        for operation in operations.values():
            if isinstance(operation, dict) and _is_developer_note(operation.get("description", "")):
                if note:
                    operation["description"] = note
                else:
                    del operation["description"]
    for schema in result.get("components", {}).get("schemas", {}).values():
        if _is_developer_note(schema.get("description", "")):
            del schema["description"]
        for name, field in schema.get("properties", {}).items():
            if _is_developer_note(field.get("description", "")):
                del field["description"]
            example = EXAMPLES.get(name)
            if example is not None and "example" not in field and JSON_TYPES.get(field.get("type")) is type(example):
                field["example"] = example
    return result
