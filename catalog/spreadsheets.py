"""The one formula escape for every CSV/XLSX export the node writes (catalogue, selection, audit log,
application trail, monitoring charts, import templates)."""

import csv

# A spreadsheet runs a cell that starts with one of these as a formula (CSV/formula injection); WPS and
# Excel in Chinese locales also take the full-width signs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def spreadsheet_cell(value):
    """The one formula escape for every CSV/XLSX export: text that a spreadsheet would run gets a
    leading apostrophe; numbers and dates stay what they are; None becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SpreadsheetCSVWriter:
    """``csv.writer`` whose every cell goes through ``spreadsheet_cell``: the one way the node writes CSV."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
