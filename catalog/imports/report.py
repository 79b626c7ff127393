"""What an import reports: the rows' errors, a preview, the counts; and the canonical JSON of a record
version's payload with its digest (what makes re-importing the same file a no-op)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

MAX_REPORTED_ERRORS = 1000


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
