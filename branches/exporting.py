"""Spreadsheet exports: formula-injection safe cells, streamed .xlsx, and the export log.

Every export in the portal goes through ``xlsx_response`` (or ``safe_cell`` for other writers),
so each one is permission-checked by the caller and logged here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from .audit import export_logged

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_bytes_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> tuple[bytes, int]:
    """Several sheets in one workbook; the count is the first sheet's rows (what the export logs)."""
    wb = Workbook(write_only=True)
    counts = []
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append([safe_cell(h) for h in headers])
        n = 0
        for row in rows:
            ws.append([safe_cell(v) for v in row])
            n += 1
        counts.append(n)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), counts[0] if counts else 0


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(
    *,
    user,
    what: str,
    filename: str,
    headers,
    rows,
    filters: dict | None = None,
    sheet="Sheet1",
    extra_sheets=(),
):
    """Build the workbook, log the export (who, what, how many rows), return the download.

    ``extra_sheets``: further ``(title, headers, rows)`` after the first sheet (e.g. the roster's records).
    """
    data, n = xlsx_bytes_sheets([(sheet, headers, rows), *extra_sheets])
    export_logged(user=user, what=what, rows=n, filters=filters or {})
    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = date.today().strftime("%Y%m%d")
    return attachment(resp, f"{filename}-{stamp}.xlsx")
