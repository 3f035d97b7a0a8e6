"""Roster import, reading: the file checked and parsed to rows, cells to text and dates (members.importing uses it)."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.utils.translation import gettext

from branches import sheets

MAX_FILE_BYTES = sheets.MAX_FILE_BYTES
# A sheet may use the template's 13 columns and as many again (a 序号 or 备注 column people add);
# any cell beyond column Z, or below row MAX_ROWS + 1, refuses the file before it is parsed.
MAX_COLUMNS = 2 * 13
MAX_ROWS = 200_000  # the city's largest roster is ~150,000; more is split into several files

# Cell text: full-width digits and separators as ASCII; the date shapes people type.
_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"\u3000": " ", "／": "/", "－": "-"}
)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


def _(message: str, **values) -> str:  # named "_" so makemessages collects its messages
    """A message in the user's language (``gettext``), with ``%(name)s`` values filled in."""
    text = gettext(message)
    return text % values if values else text


class ImportFileError(Exception):
    """The file as a whole cannot be read (too big, not a spreadsheet, wrong header)."""


# --- reading ----------------------------------------------------------------------------------


def _rows_of(path, kind: str) -> Iterator[list]:
    try:
        yield from sheets.sheet_rows(path, kind, max_rows=MAX_ROWS + 1, max_columns=MAX_COLUMNS)
    except sheets.SheetRefused as e:
        raise ImportFileError(str(e)) from None


def read_rows(fh, filename: str) -> Iterator[tuple[int, list]]:
    """Yield ``(spreadsheet row number, cells)`` from an open binary file.

    The file is checked by streaming (``branches.sheets.inspect_xlsx``) and parsed in a child
    process with a memory limit; a file object that is not on disk is first copied to the
    private upload directory, and the copy is removed however reading ends.
    """
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            _(
                "文件过大（%(size)s MB），上限 %(max)s MB，请拆分后分批导入。",
                size=size // 1048576,
                max=MAX_FILE_BYTES // 1048576,
            )
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        kind = "xlsx"
    elif name.endswith(".csv"):
        kind = "csv"
    else:
        raise ImportFileError(_("只支持 .xlsx 和 .csv 文件（.xls 请先用 Excel 另存为 .xlsx）。"))
    on_disk = getattr(fh, "name", None)
    if isinstance(on_disk, str) and os.path.isfile(on_disk):
        rows = _rows_of(on_disk, kind)
        yield from enumerate(rows, start=1)
        return
    try:
        with sheets.temp_copy(fh, "." + kind) as path:
            yield from enumerate(_rows_of(path, kind), start=1)
    except sheets.SheetRefused as e:
        raise ImportFileError(str(e)) from None


# --- cell parsing -----------------------------------------------------------------------------


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).translate(_FULLWIDTH).strip()


def parse_date(v) -> date | None:
    """Excel dates, serial numbers, ``2019-07-01``, ``2019/7/1``, ``2019年7月1日``, ``20190701``."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 1 <= v < 80000:
            return _EXCEL_EPOCH + timedelta(days=int(v))
        v = str(int(v))
    s = _text(v)
    if not s:
        return None
    m = _DATE.match(s) or _DATE8.match(s)
    if not m:
        raise ValueError(s)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
