"""The child process that parses an uploaded spreadsheet (run by ``branches.sheets``).

It runs as ``python -I sheet_child.py KIND PATH MAX_ROWS MAX_COLUMNS MEMORY CPU`` and imports
nothing of the project or Django: it sets its own memory, CPU and file-size limits first, then
parses, so that even a native abort in a parser (python-calamine aborts the whole process when
an allocation fails) costs this child and never the web worker.

Output on stdout: one JSON line per batch of rows (a list of rows, dates tagged as
``{"$d": "2019-07-01"}``), then a final ``{"done": n}`` or ``{"error": code}``. JSON and not
pickle: the parent must not trust what a parser that read hostile bytes hands back.
"""

from __future__ import annotations

import json
import resource
import sys
from datetime import date, datetime, time, timedelta

BATCH_BYTES = 1 << 20


def _limit(memory: int, cpu: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes no file
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # nor a core dump holding a roster


def _cell(v):
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    if isinstance(v, time):
        return {"$t": v.isoformat()}
    if isinstance(v, timedelta):
        return {"$td": v.total_seconds()}
    return v


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return data.decode("gb18030")  # a UnicodeDecodeError here is the "encoding" refusal


class Refused(Exception):
    pass


def _xlsx(path: str):
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(path)
        sheet = wb.get_sheet_by_index(0)
    except MemoryError:
        raise
    except Exception:
        raise Refused("unreadable") from None
    yield from sheet.iter_rows()


def _csv(path: str, max_bytes: int):
    import csv
    import io

    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused("size")
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise Refused("encoding") from None
    del data
    yield from csv.reader(io.StringIO(text, newline=""))


def main(argv: list[str]) -> int:
    kind, path, max_rows, max_columns, memory, cpu, max_bytes = (
        argv[0], argv[1], int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6])
    )  # fmt: skip
    _limit(memory, cpu)
    out = sys.stdout.buffer
    batch, size, n = [], 0, 0
    try:
        rows = _xlsx(path) if kind == "xlsx" else _csv(path, max_bytes)
        for row in rows:
            n += 1
            if n > max_rows:
                raise Refused("rows")
            if len(row) > max_columns:
                # Trailing empty cells are not columns anyone used.
                while len(row) > max_columns and row[-1] in ("", None):
                    row = row[:-1]
                if len(row) > max_columns:
                    raise Refused("columns")
            line = [_cell(v) for v in row]
            batch.append(line)
            size += 16 + sum(len(v) if isinstance(v, str) else 8 for v in row)
            if size >= BATCH_BYTES:
                out.write(json.dumps(batch, ensure_ascii=False).encode() + b"\n")
                batch, size = [], 0
        if batch:
            out.write(json.dumps(batch, ensure_ascii=False).encode() + b"\n")
        out.write(json.dumps({"done": n}).encode() + b"\n")
    except Refused as e:
        out.write(json.dumps({"error": str(e)}).encode() + b"\n")
        return 2
    except MemoryError:
        out.write(b'{"error": "memory"}\n')
        return 3
    except Exception:
        out.write(b'{"error": "unreadable"}\n')
        return 2
    finally:
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
