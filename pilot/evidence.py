"""Evidence uploads: the type is read from the content, never trusted from the name.

Accepted: photos (JPEG, PNG, WebP, GIF — verified and re-encoded by Pillow, with a display-size
copy), PDF, and Office files without macros (docx/xlsx/pptx; legacy doc/xls only when they
carry no VBA project). Refused: anything else — SVG (any), HTML, macro-enabled Office files,
executables under any name, files over the size limit.
"""

from __future__ import annotations

import io
import uuid
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


def _image(name: str, data: bytes, mime: str) -> CheckedFile:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        _refuse(name, _("图片已损坏或不是有效的图片文件。"))
    img = ImageOps.exif_transpose(img)  # re-encoding also drops EXIF (location) metadata
    out = io.BytesIO()
    if mime == "image/png" or img.mode in ("RGBA", "LA", "P"):
        img.save(out, format="PNG", optimize=True)
        ext, mime = "png", "image/png"
    else:
        img.convert("RGB").save(out, format="JPEG", quality=88)
        ext, mime = "jpg", "image/jpeg"
    disp = img.convert("RGB")
    disp.thumbnail((DISPLAY_MAX_PX, DISPLAY_MAX_PX))
    dout = io.BytesIO()
    disp.save(dout, format="JPEG", quality=80)
    return CheckedFile(name, "image", mime, ext, out.getvalue(), dout.getvalue())


def _ooxml(name: str, data: bytes, ext: str) -> CheckedFile:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            types = (
                z.read("[Content_Types].xml").decode("utf-8", "replace")
                if "[Content_Types].xml" in names
                else ""
            )
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
