"""Streaming readers of import files: CSV (UTF-8 with or without BOM, or GB18030 as Excel writes it
on Chinese Windows) and XLSX (openpyxl read-only). They yield rows one at a time, never a whole
Dataset, so a 100,000-row file stays within a small, constant amount of memory."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from infra.archives import archive_check

FORMATS = ("csv", "xlsx")
SNIFF_BYTES = 64 * 1024


class FileError(ValueError):
    """The file as a whole cannot be read (wrong format, encoding, no header)."""


# (spreadsheet row numbers — a list or a range —, their cell values), blank rows left out
Batch = tuple[list[int] | range, list[list]]


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cell values); the header is row 1
    size_hint: int | None = None  # about how many rows follow the header (for planning only), if known
    # The rows in batches, if the reader has a faster way than grouping ``rows`` (read one or the other)
    chunks: Callable[[int], Iterator[Batch]] | None = None
    text_only: bool = False  # every cell is a str (CSV)

    def batches(self, size: int) -> Iterator[Batch]:
        """The rows, ``size`` at a time."""
        if self.chunks is not None:
            return self.chunks(size)
        return _grouped(self.rows, size)


def _grouped(rows: Iterator[tuple[int, list]], size: int) -> Iterator[Batch]:
    while True:
        batch = list(itertools.islice(rows, size))
        if not batch:
            return
        yield [number for number, _cells in batch], [cells for _number, cells in batch]


def _not_blank(rows: list[list]) -> Batch | None:
    """None if no row of ``rows`` is blank (the common case, checked in C), else the rows that are not
    with their offsets."""
    if all(map(str.strip, map("".join, rows))):
        return None
    kept = [(offset, row) for offset, row in enumerate(rows) if "".join(row).strip()]
    return [offset for offset, _row in kept], [row for _offset, row in kept]


def _count_lines(stream) -> int:
    """Line breaks in a seekable binary stream, read in chunks, then back to the start."""
    count = 0
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        count += chunk.count(b"\n")
    stream.seek(0)
    return count


def guess_format(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FORMATS:
        raise FileError(_("只支持 CSV 或 XLSX 文件（文件名须以 .csv 或 .xlsx 结尾）。"))
    return ext


def _csv_encoding(stream) -> str:
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_table(stream) -> Table:
    encoding = _csv_encoding(stream)
    lines = _count_lines(stream)  # quoted line breaks make it an overestimate, which is fine for a hint
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        headers = next(reader)
    except StopIteration:
        raise FileError(_("文件是空的。")) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise FileError(_("无法读取 CSV 文件：%(error)s") % {"error": error}) from None

    def rows():
        number = 1
        try:
            for row in reader:
                number += 1
                if "".join(row).strip():  # not a blank line
                    yield number, row
        except UnicodeDecodeError:
            raise FileError(_("第 %(row)d 行附近的文字编码无法识别，请另存为 UTF-8 CSV。") % {"row": number}) from None
        except csv.Error as error:
            raise FileError(_("第 %(row)d 行 CSV 格式错误：%(error)s") % {"row": number, "error": error}) from None
        finally:
            text.detach()  # leave the caller's stream open

    def chunks(size: int) -> Iterator[Batch]:
        number = 1  # the last row read (records, as ``rows`` counts them)
        try:
            while True:
                try:
                    block = list(itertools.islice(reader, size))
                except UnicodeDecodeError:
                    # The rows read before the bad bytes are lost with the block: the reader's line
                    # count says how far it got (equal to the row count without multi-line cells).
                    near = max(number, reader.line_num)
                    raise FileError(
                        _("第 %(row)d 行附近的文字编码无法识别，请另存为 UTF-8 CSV。") % {"row": near}
                    ) from None
                except csv.Error as error:
                    near = max(number, reader.line_num)
                    raise FileError(
                        _("第 %(row)d 行 CSV 格式错误：%(error)s") % {"row": near, "error": error}
                    ) from None
                if not block:
                    return
                first, number = number + 1, number + len(block)
                blanks = _not_blank(block)
                if blanks is None:
                    yield range(first, number + 1), block
                elif blanks[0]:
                    yield [first + offset for offset in blanks[0]], blanks[1]
        finally:
            text.detach()  # leave the caller's stream open

    return Table(
        headers=[header.strip() for header in headers],
        rows=rows(),
        size_hint=max(lines - 1, 0),
        chunks=chunks,
        text_only=True,
    )


def _xlsx_table(stream) -> Table:
    from openpyxl import load_workbook

    try:
        archive_check(stream, purpose="spreadsheet")  # before openpyxl inflates anything
    except ValidationError as error:
        raise FileError(error.messages[0]) from None
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileError(_("无法读取 XLSX 文件：%(error)s") % {"error": type(error).__name__}) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        headers = next(values)
    except StopIteration:
        workbook.close()
        raise FileError(_("文件是空的。")) from None
    headers = ["" if header is None else str(header).strip() for header in headers]
    while headers and not headers[-1]:
        headers.pop()

    def rows():
        try:
            for number, row in enumerate(values, start=2):
                if any(cell not in (None, "") for cell in row):
                    yield number, list(row)
        finally:
            workbook.close()

    size_hint = sheet.max_row - 1 if isinstance(sheet.max_row, int) and sheet.max_row > 0 else None
    return Table(headers=headers, rows=rows(), size_hint=size_hint)


def open_table(stream, fmt: str) -> Table:
    """Open a binary stream (positioned at its start) as a table of the given format."""
    if fmt == "csv":
        return _csv_table(stream)
    if fmt == "xlsx":
        return _xlsx_table(stream)
    raise FileError(_("只支持 CSV 或 XLSX 文件。"))


def table_from_rows(headers: list[str], rows: list[list]) -> Table:
    """A table from rows already in memory (import-export's Dataset in the admin)."""
    return Table(
        headers=[str(header or "").strip() for header in headers],
        rows=(
            (number, list(row))
            for number, row in enumerate(rows, start=2)
            if any(cell not in (None, "") for cell in row)
        ),
        size_hint=len(rows),
    )
