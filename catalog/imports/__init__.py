"""Bulk import and export of the catalogue (CSV / XLSX): the fast import path, the import-export
resources built on it, and the helpers the admin, the providers' page and the commands share."""

from .columns import COLUMNS, MODELS, model_key
from .engine import records_import
from .readers import FileError, Table, guess_format, open_table, table_from_rows
from .report import ImportReport, PreviewRow, RowError


def file_import(*, model: type, provider, stream, fmt: str, actor=None, dry_run: bool = False) -> ImportReport:
    """Import a binary stream (CSV or XLSX) with the fast path; a file that cannot be read at all is
    reported as an error of row 0."""
    try:
        table = open_table(stream, fmt)
    except FileError as error:
        report = ImportReport(model=model, dry_run=dry_run)
        report.add_error(0, "", str(error))
        return report
    return records_import(model=model, provider=provider, table=table, actor=actor, dry_run=dry_run)


__all__ = [
    "COLUMNS",
    "MODELS",
    "FileError",
    "ImportReport",
    "PreviewRow",
    "RowError",
    "Table",
    "file_import",
    "guess_format",
    "model_key",
    "open_table",
    "records_import",
    "table_from_rows",
]
