"""Evidence uploads: the type is read from the content, never trusted from the name.

Accepted: photos (JPEG, PNG, WebP, GIF — verified and re-encoded by Pillow, with a display-size
copy), PDF, and Office files without macros (docx/xlsx/pptx; legacy doc/xls only when they
carry no VBA project). Refused: anything else — SVG (any), HTML, macro-enabled Office files,
executables under any name, files over the size limit.
"""

from __future__ import annotations

import io
import struct
import uuid
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_MIMES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE = {"doc": "application/msword", "xls": "application/vnd.ms-excel"}
REFUSED_EXT = {"svg", "svgz", "html", "htm", "xhtml", "js", "docm", "xlsm", "pptm", "dotm", "xltm", "exe",
               "bat", "cmd", "com", "scr", "msi", "ps1", "vbs", "jar", "apk", "sh"}  # fmt: skip
DISPLAY_MAX_PX = 1280
# A phone photo is 12–50 Mpx; a 502 KB PNG of 12,600 × 12,600 took a process to 1.5 GB. Pixels
# are counted from the header before anything is decoded; an animation counts every frame.
MAX_PIXELS = 40_000_000
MAX_FRAMES = 1000


def harden_pillow() -> None:
    """Pillow's own guard, tightened: warn from 40 Mpx, refuse from 80 Mpx, and the warning is an
    error (by default it only warns below 178 Mpx). Called from ``PilotConfig.ready``."""
    Image.MAX_IMAGE_PIXELS = max_pixels()
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def max_pixels() -> int:
    return getattr(settings, "PILOT_IMAGE_MAX_PIXELS", MAX_PIXELS)


def max_bytes() -> int:
    return getattr(settings, "PILOT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


@dataclass
class CheckedFile:
    original_name: str
    kind: str  # EvidenceKind value
    mime: str
    ext: str
    content: bytes
    display: bytes | None = None

    def stored(self) -> tuple[ContentFile, ContentFile | None]:
        stem = uuid.uuid4().hex
        main = ContentFile(self.content, name=f"{stem}.{self.ext}")
        disp = ContentFile(self.display, name=f"{stem}-display.jpg") if self.display else None
        return main, disp


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _refuse(name: str, msg: str):
    raise ValidationError(_("“%(name)s”：%(msg)s") % {"name": name, "msg": msg})


def _gif_frames(data: bytes) -> list[tuple[int, int]]:
    """Each frame's declared size, read from the GIF's block structure without decoding LZW."""
    if len(data) < 13 or data[:3] != b"GIF":
        raise ValueError("not a GIF")
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = []
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            pos += 2
        elif block == 0x2C:  # image descriptor
            if pos + 10 > len(data):
                raise ValueError("truncated")
            w, h = struct.unpack("<HH", data[pos + 5 : pos + 9])
            frames.append((w, h))
            if len(frames) > MAX_FRAMES:
                break
            f = data[pos + 9]
            pos += 10 + (3 * 2 ** ((f & 7) + 1) if f & 0x80 else 0) + 1  # + LZW minimum code size
        else:
            raise ValueError("bad block")
        while pos < len(data) and data[pos]:  # sub-blocks up to the terminator
            pos += data[pos] + 1
        pos += 1
    return frames


def _refuse_oversized(name: str, data: bytes, mime: str) -> None:
    """Count pixels from the header (``Image.open`` decodes nothing) and refuse a bomb."""
    limit = max_pixels()
    too_big = _("图片尺寸过大（%(w)s × %(h)s 像素，上限约 %(mp)s 百万像素），请缩小后再上传。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                w, h = probe.size
                frames = [(w, h)] * max(1, getattr(probe, "n_frames", 1)) if mime != "image/gif" else None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(name, _("图片尺寸过大（疑似图片炸弹），已拒绝。请缩小后再上传。"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        _refuse(name, _("图片已损坏或不是有效的图片文件。"))
    if w * h > limit:
        _refuse(name, too_big % {"w": f"{w:,}", "h": f"{h:,}", "mp": limit // 1_000_000})
    if frames is None:
        try:
            frames = _gif_frames(data)
        except (ValueError, IndexError, struct.error):
            _refuse(name, _("图片已损坏或不是有效的图片文件。"))
    big = max(frames, key=lambda f: f[0] * f[1], default=(w, h))
    if big[0] * big[1] > limit:
        _refuse(name, too_big % {"w": f"{big[0]:,}", "h": f"{big[1]:,}", "mp": limit // 1_000_000})
    if len(frames) > MAX_FRAMES or sum(a * b for a, b in frames) > limit:
        _refuse(
            name,
            _("动图的帧数乘以尺寸过大（%(n)s 帧），请上传静态照片。") % {"n": f"{len(frames):,}"},
        )
    if b"PK\x05\x06" in data and zipfile.is_zipfile(io.BytesIO(data)):
        _refuse(name, _("图片中夹带了压缩包等其他内容，已拒绝。请上传手机或相机拍摄的原始照片。"))


def _image(name: str, data: bytes, mime: str) -> CheckedFile:
    _refuse_oversized(name, data, mime)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            img = Image.open(io.BytesIO(data))
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(name, _("图片尺寸过大（疑似图片炸弹），已拒绝。请缩小后再上传。"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        _refuse(name, _("图片已损坏或不是有效的图片文件。"))
    ImageOps.exif_transpose(img, in_place=True)  # no copy; re-encoding also drops EXIF (location)
    out = io.BytesIO()
    # One decoded copy at a time: a 40 Mpx photo is 120 MB as RGB.
    if mime == "image/png" or img.mode in ("RGBA", "LA", "P"):
        img.save(out, format="PNG", optimize=True)
        ext, mime = "png", "image/png"
    else:
        (img if img.mode == "RGB" else img.convert("RGB")).save(out, format="JPEG", quality=88)
        ext, mime = "jpg", "image/jpeg"
    img.thumbnail((DISPLAY_MAX_PX, DISPLAY_MAX_PX))  # in place: no second full-size copy
    disp = img.convert("RGB")
    del img
    dout = io.BytesIO()
    disp.save(dout, format="JPEG", quality=80)
    return CheckedFile(name, "image", mime, ext, out.getvalue(), dout.getvalue())


def _zip_bomb(infos) -> bool:
    """The limits the spreadsheet guard uses (``branches.sheets``), from the central directory."""
    from branches import sheets

    if len(infos) > sheets.MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > sheets.MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        i.file_size > sheets.RATIO_FLOOR and i.file_size > sheets.MAX_RATIO * max(i.compress_size, 1)
        for i in infos
    )


def _ooxml(name: str, data: bytes, ext: str) -> CheckedFile:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if _zip_bomb(z.infolist()):
                _refuse(name, _("文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝。"))
            types = ""
            if "[Content_Types].xml" in names:
                # Bounded: a bomb's [Content_Types].xml may declare gigabytes.
                with z.open("[Content_Types].xml") as ct:
                    types = ct.read(1024 * 1024).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        _refuse(name, _("文件已损坏或不是有效的 Office 文档。"))
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroenabled" in types.lower():
        _refuse(name, _("含宏的 Office 文件（如 .docm、.xlsm）不能上传，请另存为不含宏的 .docx / .xlsx。"))
    prefix = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}[ext]
    if not types or not any(n.startswith(prefix) for n in names):
        _refuse(name, _("文件内容与扩展名不符。"))
    return CheckedFile(name, "office", OOXML[ext], ext, data)


def check_upload(upload) -> CheckedFile:
    """Validate one uploaded file by its content; raise ``ValidationError`` with a Chinese message."""
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    ext = _ext(name)
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        _refuse(name, _("文件过大（上限 %(mb)s MB）。") % {"mb": limit // (1024 * 1024)})
    data = upload.read()
    if len(data) > limit:
        _refuse(name, _("文件过大（上限 %(mb)s MB）。") % {"mb": limit // (1024 * 1024)})
    if not data:
        _refuse(name, _("文件是空的。"))
    if ext in REFUSED_EXT:
        _refuse(name, _("不允许上传此类文件（SVG、网页、含宏文档、可执行程序）。"))
    head = data[:512].lstrip().lower()
    if head.startswith((b"<", b"\xef\xbb\xbf<")) or b"<svg" in head or b"<html" in head or b"<script" in head:
        _refuse(name, _("不允许上传网页或 SVG 文件。"))
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime in IMAGE_MIMES:
        if ext not in ("jpg", "jpeg", "png", "webp", "gif", "jfif"):
            _refuse(name, _("文件内容与扩展名不符。"))
        return _image(name, data, mime)
    if mime == "application/pdf":
        if ext != "pdf":
            _refuse(name, _("文件内容与扩展名不符。"))
        return CheckedFile(name, "pdf", mime, "pdf", data)
    if ext in OOXML and (mime in OOXML.values() or mime == "application/zip"):
        return _ooxml(name, data, ext)
    if ext in OLE and data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "_VBA_PROJECT".encode("utf-16-le") in data or b"_VBA_PROJECT" in data:
            _refuse(name, _("含宏的 Office 文件不能上传，请另存为不含宏的 .docx / .xlsx。"))
        return CheckedFile(name, "office", OLE[ext], ext, data)
    if kind is not None:
        _refuse(name, _("文件内容与扩展名不符，或不是允许的类型（照片、PDF、Word、Excel）。"))
    _refuse(name, _("无法识别的文件类型，只能上传照片、PDF、Word、Excel 文件。"))
