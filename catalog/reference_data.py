"""Load the accelerator reference table from catalog/data/gpu_specs.csv. Blank figures stay NULL."""

import csv
from decimal import Decimal
from pathlib import Path

GPU_SPECS_CSV = Path(__file__).resolve().parent / "data" / "gpu_specs.csv"
FIGURES = ("fp64_tflops", "fp32_tflops", "fp16_tflops", "int8_tops")


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def accelerator_rows() -> list[dict]:
    with GPU_SPECS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            memory = (row["memory_gb"] or "").strip()
            rows.append(
                {
                    "name": row["model"].strip(),
                    "vendor": row["vendor"].strip(),
                    "memory_gb": int(memory) if memory else None,
                    **{figure: _decimal(row[figure]) for figure in FIGURES},
                    "interconnect": row["interconnect"].strip(),
                    "memory_bandwidth": row["memory_bandwidth"].strip(),
                    "verification": row["verification"].strip(),
                    "notes": row["notes"].strip(),
                    "sources": row["sources"].strip(),
                }
            )
        return rows


def load_accelerators(model) -> int:
    """Create or update every row (``model`` is the model class, historical or current)."""
    for row in accelerator_rows():
        name = row.pop("name")
        model.objects.update_or_create(name=name, defaults=row)
    return model.objects.count()
