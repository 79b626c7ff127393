"""The column-wise parsers and payload encoding of the fast import give exactly what the cell-by-cell
parsers and ``json.dumps`` give (values, types, and which cells are errors)."""

import json
from decimal import Decimal

import pytest

from catalog.imports import record_rules, specs
from catalog.imports.columns import COLUMNS
from catalog.imports.parsers import CellError
from catalog.models import AppService, ComputeResource, NetworkLine

SPELLINGS = {
    "text": ["", " 资源池 ", "A100", "'=1+1", "'abc", "=SUM(A1)", "x" * 200, "  ", "多\n行"],
    "int": ["", "0", "8", " 8 ", "+3", "-1", "1_000", "٣", "007", "1.0", "1.5", "x", "99999999999", "  "],
    "decimal": [
        "",
        "0",
        "12.50",
        "0012.5",
        "100",
        "0.0125",
        "1.23456",
        "1e3",
        "-1",
        "12.",
        ".5",
        "1,000.5",
        "９",
        "abc",
        "99999999999999",
        " 1.5",
    ],
    "choice": ["", "在线", "online", "ONLINE", " 在线", "智能算力", "intelligent", "x86", "元/卡·时", "nope"],
    "list": ["", "等保三级", "等保三级；可信云", "a, b ,c", "；", "x" * 70, ";".join(["a"] * 21)],
}


def _same(left, right) -> bool:
    """Equal, of the same type, and (for Decimals) the same digits."""
    if type(left) is not type(right):
        return False
    if isinstance(left, Decimal):
        return str(left) == str(right)
    return left == right


def _cell_by_cell(column, cells):
    out = []
    for cell in cells:
        try:
            out.append(column.parse(cell))
        except CellError:
            out.append(CellError)
    return out


@pytest.mark.parametrize("model", [ComputeResource, NetworkLine, AppService])
def test_column_wise_parsers_agree_with_the_cell_parser_or_decline(model):
    for column in COLUMNS[model]:
        if column.many is None:
            continue
        spellings = SPELLINGS[column.kind]
        # every spelling alone, each with a good neighbour, and all of them together
        samples = [[cell] for cell in spellings] + [[spellings[1], cell] for cell in spellings] + [spellings]
        for cells in samples:
            expected = _cell_by_cell(column, cells)
            got = column.many(list(cells))
            if got is None:
                continue  # declined: the importer parses that column cell by cell
            assert CellError not in expected, (column.name, cells)
            assert len(got) == len(expected)
            assert all(_same(a, b) for a, b in zip(got, expected, strict=True)), (column.name, cells, got, expected)


def test_column_wise_parsers_take_the_common_spellings():
    columns = {column.name: column for column in COLUMNS[ComputeResource]}
    assert columns["node_count"].many(["1", "64", ""]) == [1, 64, None]
    assert columns["price_yuan"].many(["12.50", "0.35"]) == [Decimal("12.50"), Decimal("0.35")]
    assert columns["state"].many(["在线", "维护中", ""]) == ["online", "maintenance", None]
    assert columns["name"].many([" A ", "B"]) == ["A", "B"]
    assert columns["certifications"].many(["等保三级；可信云", ""]) == [["等保三级", "可信云"], []]
    assert columns["node_count"].many(["0"]) is None  # below the minimum: reported cell by cell
    assert columns["name"].many(["'=x"]) is None  # an escaped formula: the cell parser unescapes it


class _Spec(specs._Spec):
    model = AppService

    def __init__(self):
        pass


@pytest.mark.parametrize("model", [ComputeResource, NetworkLine, AppService])
def test_payload_texts_are_the_json_of_the_row_payloads(model):
    rules = record_rules.Rules(model, _Spec())
    rows = []
    for n in range(6):
        data = {}
        for name in rules.stored:
            column = rules.columns.get(name)
            kind = column.kind if column else None
            if kind == "decimal":
                data[name] = [None, Decimal("12.50"), Decimal("0.0125"), Decimal("100"), Decimal("1E+2"), Decimal(0)][n]
            elif kind == "int":
                data[name] = [None, 0, 7, 512, 3, 1][n]
            elif kind == "list":
                data[name] = [[], ["等保三级"], ["a", "b"], [], ['"q"'], ["\\"]][n]
            elif kind == "lookup":
                data[name] = [3, 4, "510100", 5, 6, 7][n]
            else:
                data[name] = ["", '资源池 "一"', "a\nb", "x", "\u2028", "é"][n]
        rows.append((f"ID-{n}\t", data))
    expected = [json.dumps(rules.payload(key, data), sort_keys=True, ensure_ascii=False) for key, data in rows]
    columns = {name: [data[name] for _key, data in rows] for name in rules.stored}
    texts = rules.payload_texts([key for key, _data in rows], columns, len(rows))
    assert texts == expected


def test_csv_batches_number_rows_like_the_row_reader_and_skip_blank_ones():
    import io

    from catalog.imports.readers import open_table

    data = '编号,名称\r\na,1\r\n\r\n , \r\nb,"多\r\n行"\r\nc,3\r\n,\r\nd,4\r\n'.encode()
    by_row = list(open_table(io.BytesIO(data), "csv").rows)
    for size in (1, 2, 3, 100):
        batches = list(open_table(io.BytesIO(data), "csv").batches(size))
        assert all(numbers for numbers, _rows in batches)
        flat = [(number, row) for numbers, rows in batches for number, row in zip(numbers, rows, strict=True)]
        assert flat == by_row
    assert [number for number, _row in by_row] == [2, 5, 6, 8]


def test_differences_are_those_of_the_row_payloads():
    rules = record_rules.Rules(ComputeResource, _Spec())
    pairs = [
        (Decimal("12.50"), Decimal("12.5")),
        (Decimal("-0"), Decimal("0")),
        (Decimal("0.00"), Decimal("0")),
        (None, Decimal("0")),
        (Decimal("1E+2"), Decimal("100")),
        (Decimal("3"), Decimal("3.1")),
    ]
    base = {name: Decimal("1") if name in rules.decimal_names else "x" for name in rules.describe}
    old_rows = [dict(base, price_yuan=before, certifications=["a"]) for _after, before in pairs]
    new_rows = [
        dict(base, price_yuan=after, certifications=["a"] if n else ["b"]) for n, (after, _b) in enumerate(pairs)
    ]
    expected = []
    for old, new in zip(old_rows, new_rows, strict=True):
        before, after = rules.payload("K", old), rules.payload("K", new)
        expected.append(tuple(name for name in rules.describe if after[name] != before[name]))
    columns = lambda rows_: {name: [row[name] for row in rows_] for name in rules.describe}  # noqa: E731
    assert rules.differences(columns(new_rows), columns(old_rows), len(pairs)) == expected
    assert expected[0] == ("certifications",) and expected[1] == ("price_yuan",) and expected[5] == ("price_yuan",)
    assert expected[2] == () and expected[4] == ()
