"""The admin's django-import-export imports go through the same guard as the roster import.

django-import-export reads an uploaded ``.xlsx`` with openpyxl in the web process (a sheet
declaring ``XFD1048576`` makes it walk a million rows of 16,384 cells) and keeps the upload in
world ``/tmp``. Here the formats are CSV and XLSX only, both parsed by ``branches.sheets`` (the
streaming check, then a child process with a memory limit), the upload waits in the private
upload directory, a refusal is shown in Chinese on the form, and a file no confirm step will
use is removed at once.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import tablib
from import_export.formats import base_formats
from import_export.tmp_storages import TempFolderStorage

from . import sheets

MAX_COLUMNS = 64  # no admin resource has more than 20 fields
MAX_ROWS = 200_000


class PrivateTempStorage(TempFolderStorage):
    """import-export's temporary file, in ``UPLOAD_TEMP_DIR/admin-imports`` (0700), mode 0600."""

    def get_full_path(self):
        return str(sheets.upload_temp_dir("admin-imports") / Path(self.name).name)

    def save(self, data):
        if not self.name:
            self.name = f"{sheets._TMP_PREFIX}{os.urandom(16).hex()}"
        fd = os.open(self.get_full_path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode(self.encoding or "utf-8"))

    def read(self):
        with open(
            self.get_full_path(), self.read_mode, encoding=None if "b" in self.read_mode else self.encoding
        ) as f:
            return f.read()

    def remove(self):
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.get_full_path())


def _dataset(data: bytes, kind: str) -> tablib.Dataset:
    if isinstance(data, str):
        data = data.encode("utf-8")
    with sheets.temp_copy(io.BytesIO(data), "." + kind) as path:
        rows = sheets.sheet_rows(path, kind, max_rows=MAX_ROWS + 1, max_columns=MAX_COLUMNS)
        dataset = tablib.Dataset()
        try:
            header = next(rows)
        except StopIteration:
            return dataset
        width = len(header)
        dataset.headers = [None if h == "" else h for h in header]
        for r in rows:
            # The values openpyxl would give: None for an empty cell, 5 rather than 5.0.
            vals = [None if v == "" else int(v) if isinstance(v, float) and v.is_integer() else v for v in r]
            if all(v is None for v in vals):
                continue
            dataset.append((vals + [None] * width)[:width])
    return dataset


class GuardedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return _dataset(in_stream, "xlsx")


class GuardedCSV(base_formats.CSV):
    """Read as bytes, decoded in the child like the roster (UTF-8, UTF-8 with BOM, GBK)."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return _dataset(in_stream, "csv")


class GuardedImportMixin:
    """Mixed into every ``ImportExportMixin`` admin (``LoggedImportExportMixin``)."""

    tmp_storage_class = PrivateTempStorage

    def get_import_formats(self):
        return [GuardedCSV, GuardedXLSX]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, sheets.SheetRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        """A dry run whose file no confirm step will read: the file goes now, not at the sweep."""
        keep = False
        try:
            response = super().import_action(request, **kwargs)
            keep = bool((getattr(response, "context_data", None) or {}).get("confirm_form"))
            return response
        finally:
            upload = request.FILES.get("import_file")
            name = getattr(upload, "tmp_storage_name", None)
            if name and not keep:
                PrivateTempStorage(name=name).remove()
