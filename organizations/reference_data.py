"""Load the shipped reference data (divisions, industry categories) and the role groups.

Works with live models and with a migration's historical models, and is idempotent: running it
again updates rows in place and creates nothing twice.
"""

import csv
from pathlib import Path

from .roles import Role

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_divisions(Division) -> int:
    count = 0
    for row in _rows("gbt2260_provinces.csv"):
        Division.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "name_pinyin": row["name_pinyin_full"],
                "level": "province",
                "kind": row["type"],
                "parent": None,
            },
        )
        count += 1
    for row in _rows("cities_sichuan_hebei.csv"):
        Division.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "name_pinyin": row["name_pinyin_full"],
                "level": "city",
                "kind": row["type"],
                "parent_id": row["province_code"],
            },
        )
        count += 1
    return count


def load_industry_categories(IndustryCategory) -> int:
    rows = _rows("gbt4754_2017_industrial_mid.csv")
    for row in rows:
        IndustryCategory.objects.update_or_create(
            code=row["group_code"],
            defaults={
                "name": row["group_name"],
                "section": row["section"],
                "division_code": row["division_code"],
                "division_name": row["division_name"],
            },
        )
    return len(rows)


def create_role_groups(Group) -> int:
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    return len(Role)


def load_all(*, Division, IndustryCategory, Group) -> dict[str, int]:
    return {
        "divisions": load_divisions(Division),
        "industry_categories": load_industry_categories(IndustryCategory),
        "role_groups": create_role_groups(Group),
    }
