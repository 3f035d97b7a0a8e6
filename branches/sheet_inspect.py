"""Stage 1 of reading an uploaded spreadsheet (branches/sheets.py): limits, refusal, streamed zip/XML inspection."""

from __future__ import annotations

import operator
import os
import re
import struct
import zipfile
from xml.parsers import expat

from django.utils.translation import gettext

MAX_FILE_BYTES = 60 * 1024 * 1024
MAX_ZIP_ENTRIES = 200
MAX_MEMBER_BYTES = 300 * 1024 * 1024  # one part, inflated (a 200,000-row sheet is ~90 MB)
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024  # all parts together, inflated
MAX_RATIO = 120  # per part: real sheet XML compresses 8–25×, a bomb by thousands
RATIO_FLOOR = 1024 * 1024  # parts smaller than this may compress as they like
MAX_NAME_DEPTH = 8
READ_CHUNK = 1024 * 1024
# Archive or container signatures that have no business inside a spreadsheet's parts.
_NESTED = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"7z\xbc\xaf", b"Rar!", b"\x1f\x8b", b"BZh",
           b"\xfd7zXZ", b"\x28\xb5\x2f\xfd", b"MSCF")  # fmt: skip
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_TMP_PREFIX = "up-"


def _(message: str, **values) -> str:
    text = gettext(message)
    return text % values if values else text


class SheetRefused(Exception):
    """The file is refused as a whole; the message is for the person who uploaded it."""


def column_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


# --- stage 1: the zip and the sheet XML, streamed ------------------------------------------------


def _not_xlsx() -> SheetRefused:
    return SheetRefused(_("文件不是有效的 .xlsx 表格（可能已损坏，或扩展名不对）。"))


def _bomb() -> SheetRefused:
    return SheetRefused(_("文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝。请拆分后分批导入。"))


def _out_of_range(max_rows: int, max_columns: int, row: int | None = None, col: int | None = None):
    where = ""
    if row is not None and col is not None:
        where = _("（第%(row)s行、第%(col)s列）", row=f"{row:,}", col=column_letters(col))
    elif row is not None:
        where = _("（第%(row)s行）", row=f"{row:,}")
    return SheetRefused(
        _(
            "表格的使用范围%(where)s超出了导入模板：最多 %(cols)s 列（A–%(last)s）、表头以下 %(rows)s 行。"
            "请只保留模板中的列，删除表格末尾的空行和多余的格式后另存为 .xlsx，或拆分后分批导入。",
            where=where,
            cols=max_columns,
            last=column_letters(max_columns),
            rows=f"{max_rows - 1:,}",
        )
    )


def _check_local_header(fh, info: zipfile.ZipInfo) -> None:
    """The sizes in a member's local header must agree with the central directory: a parser that
    trusts the local header must not be handed more than we checked."""
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        raise _not_xlsx()
    flags, method = struct.unpack("<HH", head[6:10])
    csize, usize = struct.unpack("<II", head[18:26])
    if method != info.compress_type:
        raise _not_xlsx()
    trusted = not flags & 0x08 and 0xFFFFFFFF not in (csize, usize)  # else sizes follow the data
    if trusted and (csize, usize) != (info.compress_size, info.file_size):
        raise _bomb()


class _SheetScanner:
    """Expat handlers that follow row and cell positions as a reader would."""

    def __init__(self, max_rows: int, max_columns: int):
        self.max_rows, self.max_columns = max_rows, max_columns
        self.row = 0
        self.col = 0

    def start(self, name: str, attrs: dict) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            ref = attrs.get("r")
            if ref:
                m = _CELL_REF.match(ref)
                if not m:
                    raise _not_xlsx()
                self.col, self.row = _column_number(m.group(1)), int(m.group(2))
            else:
                self.col += 1
            if self.col > self.max_columns or self.row > self.max_rows or self.row < 1:
                raise _out_of_range(self.max_rows, self.max_columns, self.row, self.col)
        elif local == "row":
            r = attrs.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.col = 0
            if self.row > self.max_rows:
                raise _out_of_range(self.max_rows, self.max_columns, self.row)
        elif local == "dimension":
            ref = attrs.get("ref", "")
            last = ref.rpartition(":")[2]
            m = _CELL_REF.match(last)
            if m:
                col, row = _column_number(m.group(1)), int(m.group(2))
                if col > self.max_columns or row > self.max_rows:
                    raise _out_of_range(self.max_rows, self.max_columns, row, col)


def _no_doctype(*_args):
    # An XML part with a DOCTYPE could define entities (the "billion laughs"); OOXML has none.
    raise _not_xlsx()


def _new_parser(handler=None):
    p = expat.ParserCreate()
    p.StartDoctypeDeclHandler = _no_doctype
    p.EntityDeclHandler = _no_doctype
    if handler is not None:
        p.StartElementHandler = handler
    p.buffer_text = False
    return p


def inspect_xlsx(path: str | os.PathLike, *, max_rows: int, max_columns: int) -> None:
    """Refuse (``SheetRefused``) an .xlsx that is malformed, a bomb, or larger than the template.

    Bounded memory: the zip's directory, one 1 MB read at a time, and expat's small buffer.
    """
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise SheetRefused(
            _(
                "文件过大（%(size)s MB），上限 %(max)s MB，请拆分后分批导入。",
                size=size // 1048576,
                max=MAX_FILE_BYTES // 1048576,
            )
        )
    with open(path, "rb") as fh:
        if fh.read(4) != b"PK\x03\x04":  # a zip appended to a PNG or an HTML page named .xlsx
            raise _not_xlsx()
        fh.seek(0)
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise _not_xlsx() from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise SheetRefused(_("文件结构异常（压缩包内文件过多），已拒绝。"))
            names = set()
            for info in infos:
                name = info.filename
                parts = name.split("/")
                if (
                    name.startswith(("/", "\\"))
                    or ".." in parts
                    or len(parts) > MAX_NAME_DEPTH
                    or len(name) > 255
                    or name.lower() in names
                ):
                    raise SheetRefused(_("文件结构异常（压缩包内的路径不正常），已拒绝。"))
                names.add(name.lower())
                if info.flag_bits & 0x01:
                    raise SheetRefused(_("文件已加密，请取消密码保护后另存为 .xlsx 再导入。"))
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise _not_xlsx()
                if info.file_size > MAX_MEMBER_BYTES:
                    raise _bomb()
                if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _bomb()
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
                raise _bomb()
            if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
                raise _not_xlsx()
            sheets = [n for n in names if n.startswith("xl/worksheets/") and "/_rels/" not in n]
            if not sheets or any(not n.endswith(".xml") for n in sheets):
                raise SheetRefused(_("只支持 .xlsx 表格（.xlsb、.xls 请先用 Excel 另存为 .xlsx）。"))
            budget = [MAX_UNCOMPRESSED_BYTES]
            for info in infos:
                _check_local_header(fh, info)
                if not info.filename.lower().endswith((".xml", ".rels")):
                    _stream(zf, info, budget, None)
                    continue
                # Every XML part, not only those under xl/worksheets/: the workbook's relationships
                # may point a sheet anywhere, and no other part has cells to hide.
                fast = _FastSheetScan(max_rows, max_columns)
                _stream(zf, info, budget, fast.feed)
                if not fast.finish():
                    # Some cell has no explicit reference: follow positions as a reader does.
                    slow = _new_parser(_SheetScanner(max_rows, max_columns).start)
                    final = lambda p=slow: p.Parse(b"", True)  # noqa: E731
                    _stream(zf, info, [MAX_UNCOMPRESSED_BYTES], slow.Parse, final=final)


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], consume, final=None) -> None:
    """Inflate one member in bounded reads, counting its actual size against the declared one
    and the whole file's budget; refuse a nested archive; hand each chunk to ``consume``."""
    read = 0
    try:
        with zf.open(info) as member:
            first = True
            while chunk := member.read(READ_CHUNK):
                if first:
                    if chunk.startswith(_NESTED):
                        raise SheetRefused(
                            _("文件中嵌入了压缩包或其他文档，已拒绝。请只保留表格数据后另存为 .xlsx。")
                        )
                    if info.filename.lower().endswith((".xml", ".rels")) and not _utf8_xml(chunk):
                        raise _not_xlsx()
                    first = False
                read += len(chunk)
                budget[0] -= len(chunk)
                if read > info.file_size or read > MAX_MEMBER_BYTES or budget[0] < 0:
                    raise _bomb()
                if consume is not None:
                    consume(chunk)
            if final is not None:
                final()
    except expat.ExpatError:
        raise _not_xlsx() from None
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
        raise _not_xlsx() from None  # bad CRC, truncated data, an unknown method
    if read != info.file_size:
        raise _bomb()


_XML_DECL = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")


def _utf8_xml(head: bytes) -> bool:
    """OOXML parts are UTF-8; a UTF-16 part would hide its tags from a byte scan."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00" or head[:1] == b"\x00":
        return False
    m = _XML_DECL.match(head)
    return m is None or m.group(1).decode("ascii", "replace").lower().replace("_", "-") in (
        "utf-8",
        "utf8",
        "us-ascii",
    )


# Literal searches (memchr speed) rather than patterns starting with "<", which re tries at
# every tag: a 150,000-row sheet is ~110 MB of XML.
_C_OTHER = re.compile(rb"<c[\w.:-]")  # <col>, <cols>, <cfRule>…: "<c" that is not a cell
_C_PREFIXED = re.compile(rb":c[\s/>]")  # <x:c …>: a prefixed cell
_C_REF = re.compile(rb'<c r="\$?([A-Za-z]{1,3})\$?(\d{1,7})"')
_DIMENSION = re.compile(rb"dimension\s[^<>]*?ref\s*=\s*[\"']([^\"']*)[\"']")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
MAX_TAG = 64 * 1024
_first, _second = operator.itemgetter(0), operator.itemgetter(1)


class _FastSheetScan:
    """A byte-level scan of a worksheet's cell references, at C speed over 1 MB chunks.

    Every cell start tag is counted; when each one is ``<c r="…"`` (Excel, WPS and openpyxl
    write the reference first) the references decide. A cell without one, with the reference
    later among its attributes, or with a namespace prefix makes ``finish()`` return False, and
    the caller follows positions with expat instead (slower, same answer).
    """

    def __init__(self, max_rows: int, max_columns: int):
        self.max_rows, self.max_columns = max_rows, max_columns
        self.carry = b""
        self.cells = self.refs = self.prefixed = 0

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = buf.rfind(b"<")
        if cut == -1 or buf.find(b">", cut) != -1:
            cut = len(buf)  # the last tag is complete
        done, self.carry = buf[:cut], buf[cut:]
        if len(self.carry) > MAX_TAG:
            raise _not_xlsx()
        self._scan(done)

    def _scan(self, data: bytes) -> None:
        if _DTD.search(data):
            raise _not_xlsx()
        for m in _DIMENSION.finditer(data):
            last = _CELL_REF.match(m.group(1).decode("ascii", "replace").rpartition(":")[2])
            if last:
                col, row = _column_number(last.group(1)), int(last.group(2))
                if col > self.max_columns or row > self.max_rows:
                    raise _out_of_range(self.max_rows, self.max_columns, row, col)
        self.cells += data.count(b"<c") - len(_C_OTHER.findall(data))
        self.prefixed += len(_C_PREFIXED.findall(data))
        refs = _C_REF.findall(data)
        if not refs:
            return
        self.refs += len(refs)
        numbers = list(map(int, map(_second, refs)))
        widest = max(_column_number(c.decode()) for c in set(map(_first, refs)))
        if widest > self.max_columns or max(numbers) > self.max_rows or min(numbers) < 1:
            for c, r in refs:  # name the first cell out of range
                col, row = _column_number(c.decode()), int(r)
                if col > self.max_columns or not 1 <= row <= self.max_rows:
                    raise _out_of_range(self.max_rows, self.max_columns, row, col)

    def finish(self) -> bool:
        if self.carry:
            self._scan(self.carry)
            self.carry = b""
        return self.cells == self.refs and not self.prefixed
