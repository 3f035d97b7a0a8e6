"""Workbooks the members app hands out to be filled in and imported again: text-formatted ID
columns (so Excel never turns 18 digits into 4.10102E+17) and drop-downs for fixed columns."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from branches.exporting import safe_cell

TEXT = "@"


def workbook_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet: str,
    text_columns: Sequence[int] = (),
    choices: dict[int, Sequence[str]] | None = None,
    max_rows: int = 5000,
    widths: dict[int, int] | None = None,
    extra_sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]] = (),
) -> tuple[bytes, int]:
    """A streamed workbook. ``text_columns`` (0-based) are written as text with number format
    ``@`` (also the empty cells below, up to ``max_rows``, so that typed IDs stay text);
    ``choices`` puts a drop-down list on a column (0-based index → allowed values);
    ``extra_sheets`` ``(title, headers, rows)`` follow, their first column (the ID) as text."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    text = set(text_columns)
    for i, w in (widths or {}).items():
        ws.column_dimensions[get_column_letter(i + 1)].width = w
    for i in text:
        ws.column_dimensions[get_column_letter(i + 1)].number_format = TEXT
        ws.column_dimensions[get_column_letter(i + 1)].width = max(22, (widths or {}).get(i, 0))
    n_rows = 0
    ws.append([safe_cell(h) for h in headers])
    for row in rows:
        out = []
        for i, v in enumerate(row):
            v = safe_cell(v)
            if i in text:
                c = WriteOnlyCell(ws, value=None if v is None else str(v))
                c.number_format = TEXT
                out.append(c)
            else:
                out.append(v)
        ws.append(out)
        n_rows += 1
    last = n_rows + 1
    end = max(last, max_rows)
    for i, values in (choices or {}).items():
        col = get_column_letter(i + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="输入有误", error="请从下拉列表中选择。")  # fmt: skip
        dv.add(f"{col}2:{col}{end}")
        ws.data_validations.dataValidation.append(dv)
    for title, hs, rs in extra_sheets:
        extra = wb.create_sheet(title[:31])
        extra.column_dimensions["A"].width = 22
        extra.append([safe_cell(h) for h in hs])
        for r in rs:
            r = [safe_cell(v) for v in r]
            if r:
                c = WriteOnlyCell(extra, value=None if r[0] is None else str(r[0]))
                c.number_format = TEXT
                r[0] = c
            extra.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), n_rows
