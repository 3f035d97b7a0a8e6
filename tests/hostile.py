"""Hostile files, generated in the tests (nothing big is stored): spreadsheets and images.

Each builder returns bytes a few KB long (the bombs declare gigabytes but compress to little).
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
    'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cell(ref: str | None, text: str) -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: dict[int, list[tuple[str | None, str]]], *, dimension: str | None = None) -> bytes:
    """``rows``: {row number: [(cell reference or None, text)]}."""
    body = "".join(f'<row r="{n}">' + "".join(cell(ref, t) for ref, t in cells) + "</row>"
                   for n, cells in sorted(rows.items()))  # fmt: skip
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>{body}</sheetData></worksheet>'.encode()


def xlsx(sheet: bytes, *, extra: tuple = (), compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal workbook calamine opens: the four package parts and ``sheet`` as sheet 1."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in extra:
            z.writestr(name, data)
    return buf.getvalue()


def two_corners(last: str) -> bytes:
    """The issue's attack: a sheet holding ``A1`` and one far cell (``XFD1048576``, ``CV300000``)."""
    row = int("".join(ch for ch in last if ch.isdigit()))
    return xlsx(sheet_xml({1: [("A1", "姓名")], row: [(last, "x")]}))


def padded_bomb(sheet_mb: int = 142, pad_mb: float = 1.2) -> bytes:
    """A sheet of ``sheet_mb`` MB of repeated rows (compresses ~1000×) next to random padding, so
    the *whole file's* ratio looks like a real workbook's (the issue: 1.28 MB declaring 142 MB)."""
    buf = io.BytesIO()
    unit = b'<row><c t="inlineStr"><is><t>' + b"A" * 990 + b"</t></is></c></row>"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'.encode())
            block = unit * 1000
            for _ in range(sheet_mb * 1024 * 1024 // len(block)):
                w.write(block)
            w.write(b"</sheetData></worksheet>")
        z.writestr("xl/media/padding.bin", os.urandom(int(pad_mb * 1024 * 1024)), zipfile.ZIP_STORED)
    return buf.getvalue()


def nested_zip(depth: int = 5) -> bytes:
    """A workbook carrying a zip inside a zip inside a zip…"""
    inner = b"PK\x05\x06" + b"\0" * 18  # an empty zip
    for i in range(depth):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"level{i}.zip", inner)
        inner = b.getvalue()
    return xlsx(sheet_xml({1: [("A1", "姓名")]}), extra=(("xl/embeddings/oleObject1.bin", inner),))


def deep_paths(depth: int = 40) -> bytes:
    return xlsx(sheet_xml({1: [("A1", "姓名")]}), extra=(("/".join(["d"] * depth) + "/x.xml", b"<x/>"),))


def lying_local_header() -> bytes:
    """The local header declares a bigger size than the central directory checked."""
    data = bytearray(xlsx(sheet_xml({1: [("A1", "姓名")]})))
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = z.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 4 * 1024 * 1024 * 1024 - 2)
    return bytes(data)


def billion_laughs() -> bytes:
    doc = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        f']><worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is>'
        "</c></row></sheetData></worksheet>"
    )
    return xlsx(doc.encode())


def implicit_wide_row(cells: int = 400) -> bytes:
    """Cells without references: their position is implied (the 400th is column OJ)."""
    return xlsx(sheet_xml({1: [(None, "x")] * cells}))


def utf16_sheet() -> bytes:
    xml = sheet_xml({1: [("A1", "姓名")], 1048576: [("XFD1048576", "x")]}).decode()
    return xlsx(xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))


# --- images ---------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 12_600, height: int = 12_600) -> bytes:
    """The issue's 12,600 × 12,600 PNG: 1-bit grey so the test builds it from 20 MB of zeros,
    compressed to a few KB; Pillow would decode it to 159 MB (and to 476 MB as RGB)."""
    row = b"\0" + b"\0" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row * 256) for _ in range(height // 256))
    idat += comp.compress(row * (height % 256)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A real 16 × 16 JPEG whose frame header (SOF0) is patched to claim 30,000 × 30,000."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_frames(width: int = 2_000, height: int = 2_000, frames: int = 30) -> bytes:
    """A GIF of ``frames`` full-screen frames, each a few bytes of LZW (total: 120 Mpx)."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", width, height) + b"\x80\x00\x00" + b"\0\0\0\xff\xff\xff")
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for _ in range(frames):
        out += b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 1/100 s
        out += b"\x2c" + struct.pack("<HHHH", 0, 0, width, height) + b"\x00"
        out += b"\x02\x02\x4c\x01\x00"  # min code size 2, one sub-block: clear, 0, end
    out += b"\x3b"
    return bytes(out)


def gif_big_frame() -> bytes:
    """A 10 × 10 screen whose one frame claims 20,000 × 20,000."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", 10, 10) + b"\x80\x00\x00" + b"\0\0\0\xff\xff\xff")
    out += b"\x2c" + struct.pack("<HHHH", 0, 0, 20_000, 20_000) + b"\x00" + b"\x02\x02\x4c\x01\x00" + b"\x3b"
    return bytes(out)


def png_zip_polyglot() -> bytes:
    """A valid small PNG with a zip appended: it opens as a picture and as an archive."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buf, "PNG")
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("payload.js", "fetch('/members/export')")
    return buf.getvalue() + z.getvalue()


def zip_png_xlsx() -> bytes:
    """The other way round: a PNG header in front of a real workbook (zip readers skip it)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "PNG")
    return buf.getvalue() + xlsx(sheet_xml({1: [("A1", "姓名")]}))


HTML_AS_XLSX = b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>"


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs). False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
