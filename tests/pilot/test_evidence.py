import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pilot.evidence import check_upload

from .helpers import exe_upload, jpeg_upload


def _zip(entries: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in entries.items():
            z.writestr(k, v)
    return buf.getvalue()


DOCX_TYPES = '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
DOCM_TYPES = '<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'


def test_photo_is_reencoded_without_exif_and_gets_a_display_copy():
    buf = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 120, 10)).save(buf, format="JPEG")
    f = check_upload(SimpleUploadedFile("现场.JPG", buf.getvalue()))
    assert f.kind == "image" and f.mime == "image/jpeg" and f.ext == "jpg"
    with Image.open(io.BytesIO(f.display)) as d:
        assert max(d.size) == 1280


def test_executable_renamed_as_jpg_is_refused():
    with pytest.raises(ValidationError) as e:
        check_upload(exe_upload("photo.jpg"))
    assert "photo.jpg" in e.value.messages[0] and "不符" in e.value.messages[0]


@pytest.mark.parametrize(
    "name,data",
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        (
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
        ),
        ("page.pdf", b"<html><body><script>alert(1)</script></body></html>"),
        (
            "report.docm",
            _zip(
                {"[Content_Types].xml": DOCM_TYPES, "word/document.xml": "<w/>", "word/vbaProject.bin": "x"}
            ),
        ),
        (
            "report.docx",
            _zip(
                {"[Content_Types].xml": DOCM_TYPES, "word/document.xml": "<w/>", "word/vbaProject.bin": "x"}
            ),
        ),
        ("setup.pdf", b"MZ" + b"\x00" * 300),
        ("empty.pdf", b""),
    ],
)
def test_dangerous_or_disguised_files_are_refused(name, data):
    with pytest.raises(ValidationError) as e:
        check_upload(SimpleUploadedFile(name, data))
    assert name in e.value.messages[0]


def test_plain_docx_and_pdf_are_accepted():
    docx = check_upload(
        SimpleUploadedFile(
            "总结.docx", _zip({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": "<w/>"})
        )
    )
    assert docx.kind == "office" and docx.ext == "docx"
    pdf = check_upload(SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"))
    assert pdf.kind == "pdf"


def test_too_large_file_is_refused(settings):
    settings.PILOT_EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as e:
        check_upload(jpeg_upload(size=(400, 400)))
    assert "过大" in e.value.messages[0]
