"""Spreadsheets people upload, read without trusting them.

A 1.5 KB ``.xlsx`` whose sheet holds ``A1`` and ``XFD1048576`` made python-calamine allocate a
dense grid of 512 GB and abort the whole web process; ``A1`` + ``CV300000`` took it to 1.2 GB;
padding a sheet with random bytes defeated a whole-file compression-ratio check. So every
spreadsheet upload (the roster import on the portal and in the admin, and the admin's
django-import-export imports) goes through two stages here:

1. ``inspect_xlsx`` (``branches/sheet_inspect.py``, re-exported here): before any parser runs,
   the zip is checked from its central directory (entries, names, methods, declared sizes and
   each member's own compression ratio, the local headers agreeing with it) and then *streamed*: every member is inflated in 1 MB reads
   with its actual size counted against the declared size and a cap, nested archives and
   UTF-16 or DOCTYPE-carrying XML are refused, and every XML part is scanned (byte-level
   searches at C speed; expat where a cell's position is only implied) for the declared
   ``<dimension>`` and every cell reference. A reference beyond ``max_columns`` or
   ``max_rows`` refuses the file, naming the cell. Memory stays a few MB whatever the file.
2. ``sheet_rows``: the parse itself runs in a child process (``branches/sheet_child.py``) with
   ``RLIMIT_AS``/``RLIMIT_CPU`` set in the child and a wall-clock timer in the parent. Rows come
   back as JSON lines, a batch at a time, so the parent never holds more than one batch; a
   child that dies (a native abort, the memory limit) becomes a Chinese refusal.

Temporary files live in ``settings.UPLOAD_TEMP_DIR`` (mode 0700), are removed on every path out,
and ``sweep_upload_temp`` (a beat task) removes any that a killed worker left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from django.conf import settings

# Re-exported: callers read the limits and helpers from here (branches.sheets).
from .sheet_inspect import (  # noqa: F401
    _TMP_PREFIX,
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    RATIO_FLOOR,
    READ_CHUNK,
    SheetRefused,
    _,
    _out_of_range,
    column_letters,
    inspect_xlsx,
)

# --- stage 2: the parse, in a child -------------------------------------------------------------


def _decode_cell(obj):
    if len(obj) == 1:
        ((k, v),) = obj.items()
        if k == "$dt":
            return datetime.fromisoformat(v)
        if k == "$d":
            return date.fromisoformat(v)
        if k == "$t":
            return dtime.fromisoformat(v)
        if k == "$td":
            return timedelta(seconds=v)
    return obj


def _child_refusal(code: str, *, max_rows: int, max_columns: int, kind: str) -> SheetRefused:
    if code == "rows":
        return SheetRefused(_("行数超过 %(n)s 行，请拆分后分批导入。", n=f"{max_rows - 1:,}"))
    if code == "columns":
        return _out_of_range(max_rows, max_columns)
    if code == "encoding":
        return SheetRefused(_("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 GBK 编码。"))
    if code == "size":
        return SheetRefused(_("文件过大，上限 %(max)s MB，请拆分后分批导入。", max=MAX_FILE_BYTES // 1048576))
    if code in ("memory", "killed", "timeout"):
        return SheetRefused(
            _(
                "文件过于庞大或结构异常，无法在限定的内存和时间内读取，已拒绝。"
                "请用 Excel 打开后只保留模板中的列和数据，另存为新的 .xlsx 再导入，或拆分后分批导入。"
            )
        )
    if kind == "csv":
        return SheetRefused(_("无法读取该 CSV 文件，请用 Excel 另存为“CSV UTF-8”后重试。"))
    return SheetRefused(_("无法读取该 .xlsx 文件，请用 Excel 另存为 .xlsx 后重试。"))


def child_limits() -> tuple[int, int, int]:
    """(address-space bytes, CPU seconds, wall seconds) for one parse."""
    return (
        getattr(settings, "SHEET_CHILD_MEMORY_MB", 768) * 1024 * 1024,
        getattr(settings, "SHEET_CHILD_CPU_SECONDS", 90),
        getattr(settings, "SHEET_CHILD_WALL_SECONDS", 100),
    )


def sheet_rows(path: str | os.PathLike, kind: str, *, max_rows: int, max_columns: int) -> Iterator[list]:
    """Rows of the file's first sheet (``kind`` "xlsx" or "csv"), parsed in a limited child.

    ``max_rows`` counts every row the parser yields, the header included. An .xlsx must have
    passed ``inspect_xlsx`` (this function calls it). Closing the iterator early kills the child.
    """
    if kind == "xlsx":
        inspect_xlsx(path, max_rows=max_rows, max_columns=max_columns)
    elif os.path.getsize(path) > MAX_FILE_BYTES:
        raise _child_refusal("size", max_rows=max_rows, max_columns=max_columns, kind=kind)
    memory, cpu, wall = child_limits()
    child = Path(__file__).with_name("sheet_child.py")
    cmd = [getattr(settings, "SHEET_CHILD_PYTHON", None) or sys.executable, "-I", str(child), kind, str(path),
           str(max_rows), str(max_columns), str(memory), str(cpu), str(MAX_FILE_BYTES)]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    timed_out = threading.Event()

    def _kill():
        timed_out.set()
        with contextlib.suppress(OSError):
            proc.kill()

    timer = threading.Timer(wall, _kill)
    timer.daemon = True
    timer.start()
    done = False
    try:
        max_line = MAX_FILE_BYTES * 4 + 1024  # a batch is ~1 MB; one row can't outgrow the file
        while True:
            line = proc.stdout.readline(max_line)
            if not line:
                break
            if not line.endswith(b"\n"):
                raise _child_refusal("memory", max_rows=max_rows, max_columns=max_columns, kind=kind)
            msg = json.loads(line, object_hook=_decode_cell)
            if isinstance(msg, dict):
                if "error" in msg:
                    raise _child_refusal(str(msg["error"]), max_rows=max_rows, max_columns=max_columns,
                                         kind=kind)  # fmt: skip
                done = "done" in msg
                break
            yield from msg
        proc.wait(timeout=10)
        if not done or proc.returncode != 0:
            # Killed by a signal (a native abort, the memory limit, our timer) or gone silent.
            code = "killed" if timed_out.is_set() or (proc.returncode or 0) < 0 else "unreadable"
            raise _child_refusal(code, max_rows=max_rows, max_columns=max_columns, kind=kind)
    finally:
        timer.cancel()
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
        with contextlib.suppress(Exception):
            proc.stdout.close()
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)


# --- temporary files ----------------------------------------------------------------------------


def upload_temp_dir(sub: str = "") -> Path:
    """The private directory for uploads waiting to be read (mode 0700, never world /tmp)."""
    base = Path(settings.UPLOAD_TEMP_DIR)
    d = base / sub if sub else base
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    for p in {base, d}:
        if p.stat().st_mode & 0o077:
            os.chmod(p, 0o700)
    return d


@contextlib.contextmanager
def temp_copy(fh, suffix: str) -> Iterator[Path]:
    """A private temporary copy of an open binary file, removed on every way out."""
    path = upload_temp_dir() / f"{_TMP_PREFIX}{uuid.uuid4().hex}{suffix}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            fh.seek(0)
            copied = 0
            while chunk := fh.read(READ_CHUNK):
                copied += len(chunk)
                if copied > MAX_FILE_BYTES:
                    raise SheetRefused(
                        _("文件过大，上限 %(max)s MB，请拆分后分批导入。", max=MAX_FILE_BYTES // 1048576)
                    )
                out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


def sweep_upload_temp(max_age_seconds: int | None = None) -> int:
    """Remove temporary uploads older than ``max_age_seconds`` (default: one hour and a bit,
    past the longest a preview token lives). Returns how many went."""
    age = max_age_seconds if max_age_seconds is not None else 3600 + 600
    cutoff = time.time() - age
    base = Path(settings.UPLOAD_TEMP_DIR)
    if not base.exists():
        return 0
    removed = 0
    for root, dirs, files in os.walk(base):
        for f in files:
            p = Path(root) / f
            with contextlib.suppress(OSError):
                if p.lstat().st_mtime < cutoff:
                    p.unlink()
                    removed += 1
        for d in dirs:
            p = Path(root) / d
            if p.is_symlink():
                with contextlib.suppress(OSError):
                    p.unlink()
    return removed


__all__ = [
    "SheetRefused",
    "inspect_xlsx",
    "sheet_rows",
    "sweep_upload_temp",
    "temp_copy",
    "upload_temp_dir",
]
