"""Hostile images (issue 14): pixels are counted from the header before anything is decoded.

Finding photos, rectification evidence, notice files and report photos all go through
``pilot.evidence.check_upload``; each bomb is refused in Chinese and this process's peak RSS
(VmHWM, reset first) stays flat. Before: a 502 KB PNG of 12,600 × 12,600 took a process to 1.5 GB.
"""

from __future__ import annotations

import io
import warnings

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pilot.evidence import _gif_frames, check_upload
from tests import hostile

CASES = {
    "PNG 12,600 × 12,600": (hostile.png_bomb, "现场.png", "图片"),
    "PNG 8,000 × 6,000 (48 Mpx, where Pillow only warns)": (
        lambda: hostile.png_bomb(8_000, 6_000), "现场.png", "图片尺寸过大"),
    "JPEG claiming 30,000 × 30,000": (hostile.jpeg_bomb, "现场.jpg", "图片"),
    "GIF of 30 frames of 2,000 × 2,000": (hostile.gif_frames, "动图.gif", "帧数"),
    "GIF frame of 20,000 × 20,000 on a 10 × 10 screen": (hostile.gif_big_frame, "动图.gif", "图片尺寸过大"),
    "PNG with a zip appended": (hostile.png_zip_polyglot, "现场.png", "夹带了压缩包"),
    "HTML named .png": (lambda: b"<html><script>alert(1)</script></html>", "现场.png", "网页"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_image_bomb_is_refused_in_chinese(case):
    build, name, says = CASES[case]
    with pytest.raises(ValidationError) as e:
        check_upload(SimpleUploadedFile(name, build()))
    assert says in e.value.messages[0], e.value.messages[0]
    assert name in e.value.messages[0]


def test_the_image_battery_keeps_this_process_flat():
    files = [(b(), n) for b, n, _s in CASES.values()]
    assert all(len(d) < 1024 * 1024 for d, _n in files)
    if not hostile.reset_peak_rss():
        pytest.skip("cannot reset VmHWM here")
    base = hostile.peak_rss_mb()
    for data, name in files:
        with pytest.raises(ValidationError):
            check_upload(SimpleUploadedFile(name, data))
    grown = hostile.peak_rss_mb() - base
    assert grown < 60, f"grew {grown:.0f} MB"


def test_a_large_honest_photo_is_still_accepted():
    """A 6,000 × 4,000 (24 Mpx) phone photo passes, and is re-encoded with a display copy."""
    buf = io.BytesIO()
    Image.new("RGB", (6_000, 4_000), (200, 30, 30)).save(buf, "JPEG", quality=50)
    f = check_upload(SimpleUploadedFile("大图.jpg", buf.getvalue()))
    assert f.kind == "image"
    with Image.open(io.BytesIO(f.display)) as d:
        assert max(d.size) == 1280


def test_an_honest_animation_passes_and_its_frames_are_counted():
    frames = [Image.new("RGB", (200, 100), (50 * i, 0, 0)) for i in range(5)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert _gif_frames(buf.getvalue()) == [(200, 100)] * 5
    assert _gif_frames(hostile.gif_frames(2_000, 2_000, 30)) == [(2_000, 2_000)] * 30
    assert check_upload(SimpleUploadedFile("动图.gif", buf.getvalue())).kind == "image"


def test_pillow_is_hardened_for_every_caller():
    """Past 40 Mpx the decompression-bomb warning is an error, past 80 Mpx Pillow refuses."""
    assert Image.MAX_IMAGE_PIXELS == 40_000_000
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises(Image.DecompressionBombWarning):
            Image.open(io.BytesIO(hostile.png_bomb(8_000, 6_000)))
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(hostile.png_bomb()))


def test_an_office_file_whose_content_types_is_a_bomb_is_read_in_bounded_memory():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("[Content_Types].xml", "w", force_zip64=True) as w:
            for _ in range(300):
                w.write(b" " * (1024 * 1024))
        z.writestr("word/document.xml", "<w/>")
    hostile.reset_peak_rss()
    base = hostile.peak_rss_mb()
    with pytest.raises(ValidationError, match="压缩炸弹"):
        check_upload(SimpleUploadedFile("报告.docx", buf.getvalue()))
    assert hostile.peak_rss_mb() - base < 60
