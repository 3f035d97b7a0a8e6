"""The PDF pipeline: restricted fetcher, embedded CJK font, rare characters, escaping, content."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from fontTools.ttLib import TTFont

from branches.services import organization_update
from reports import pdf, services
from reports.fontbuild import gbk_repertoire
from reports.services import SystemUser
from tests.reports.helpers import publish_annual

FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "PBNotoSansSC-Regular.otf"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils 未安装")


def _text(data: bytes, tmp_path) -> str:
    p = tmp_path / "r.pdf"
    p.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin/",
        "https://example.org/x.png",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "https://report.invalid/static/../../../../etc/passwd",
        "https://report.invalid/media/../../etc/passwd",
        "https://127.0.0.1/static/css/app.css",
    ],
)
def test_url_fetcher_refuses_everything_but_own_static_and_media(url):
    with pytest.raises(ValueError):
        pdf.url_fetcher().fetch(url)


def test_url_fetcher_serves_static_and_media_from_disk(settings, tmp_path):
    resp = pdf.url_fetcher().fetch("https://report.invalid/static/reports/print.css")
    assert b"@page" in resp.read()
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    (media / "a.txt").write_text("ok")
    assert pdf.url_fetcher().fetch("https://report.invalid/media/a.txt").read() == b"ok"


def test_user_text_cannot_make_the_renderer_fetch_a_url(monkeypatch):
    seen = []
    real = pdf.resolve_local
    monkeypatch.setattr(pdf, "resolve_local", lambda url: seen.append(url) or real(url))
    html = '<img src="http://127.0.0.1:9/steal"><link rel="stylesheet" href="file:///etc/passwd"><p>x</p>'
    data = pdf.html_to_pdf(html)
    assert data.startswith(b"%PDF")
    assert "http://127.0.0.1:9/steal" in seen  # asked, and refused (no network attempted)


def test_shipped_font_covers_all_of_gbk_and_rare_name_characters():
    cmap = TTFont(FONT, lazy=True).getBestCmap()
    missing = {c for c in gbk_repertoire() if ord(c) not in cmap}
    # Noto Sans CJK itself has no U+2252 (≒, a maths symbol); every Han character is covered.
    assert missing <= {"≒"}
    assert sum(1 for c in gbk_repertoire() if "\u4e00" <= c <= "\u9fff") > 20000
    for ch in "堃玥喆赟昇·（）：，。":
        assert ord(ch) in cmap, ch


def test_font_subset_is_reasonably_small():
    assert FONT.stat().st_size < 8_000_000


@needs_poppler
def test_unit_pdf_shows_name_year_and_score_as_published_with_embedded_font(small_city, tmp_path):
    a1 = small_city.a1
    organization_update(actor=None, org=a1, name="甲一村党总支（王堃·李玥）")
    a1.refresh_from_db()
    totals = publish_annual([a1, small_city.a2, small_city.b1])
    data = services.unit_report_pdf(user=SystemUser(), org=a1, year=2023)
    assert data.startswith(b"%PDF")
    text = _text(data, tmp_path)
    assert "甲一村党总支（王堃·李玥）" in text
    assert "2023" in text
    assert str(totals[a1.pk]) in text  # the results page shows ``{{ result.total }}``
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", text)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, text=True).stdout
    assert "PB-Noto-Sans-SC" in fonts
    for line in fonts.splitlines()[2:]:
        assert " yes " in line  # embedded


@needs_poppler
def test_rare_characters_render_as_glyphs_not_boxes(tmp_path):
    """Render 堃 and 玥 alone with our font and with the .notdef box: the pixels must differ."""
    html = '<p style="font-size:60pt">堃玥</p>'
    box = '<p style="font-size:60pt">\ue000\ue001</p>'  # private use: not in the font → .notdef
    imgs = []
    for name, h in (("rare", html), ("box", box)):
        p = tmp_path / f"{name}.pdf"
        p.write_bytes(pdf.html_to_pdf(h))
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(p), str(tmp_path / name)], check=True
        )
        imgs.append(next(tmp_path.glob(f"{name}-*.png")).read_bytes())
    assert imgs[0] != imgs[1]
    text = _text(pdf.html_to_pdf(html), tmp_path)
    assert "堃玥" in text


@needs_poppler
def test_user_text_is_escaped_in_the_pdf(small_city, tmp_path):
    organization_update(actor=None, org=small_city.a2, name='<b>甲二村</b><img src="http://127.0.0.1/x">')
    small_city.a2.refresh_from_db()
    text = _text(services.unit_report_pdf(user=SystemUser(), org=small_city.a2, year=2023), tmp_path)
    assert '<b>甲二村</b><img src="http://127.0.0.1/x">' in text.replace("\n", "")


@needs_poppler
def test_city_summary_has_townships_rankings_and_page_numbers(small_city, tmp_path):
    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    text = _text(services.summary_pdf(user=SystemUser(), org=small_city.city, year=2023), tmp_path)
    for s in ("甲镇党委", "乙镇党委", "综合排名", "甲一村党总支", "全地域", "全领域", "全要素"):
        assert s in text, s
    assert re.search(r"第\s*2\s*页\s*共\s*\d+\s*页", text)


@needs_poppler
def test_quarterly_score_in_the_pdf_is_the_one_the_results_page_shows(client, small_city, tmp_path):
    from datetime import date

    from assessments import services as assessment_services
    from assessments.models import SchemeKind
    from assessments.scoring import run_compute
    from tests.assessments.helpers import checklist, make_scheme

    make_scheme(year=2023, kind=SchemeKind.SUPERVISION)
    checklist(small_city.a1, month=date(2023, 11, 1), accepted=7, total=9)
    run = assessment_services.run_start(
        actor=None, period="2023Q4", kind=SchemeKind.SUPERVISION, enqueue=False
    )
    run_compute(run.pk)
    assessment_services.run_publish(actor=None, run=run)
    client.force_login(small_city.users["cun"])
    page = client.get(reverse("assessments:unit_result", args=[small_city.a1.pk]), {"period": "2023Q4"})
    total = run.results.get(organization=small_city.a1).total
    assert f'<div class="v">{total}</div>' in page.content.decode()
    text = _text(
        services.unit_report_pdf(user=small_city.users["cun"], org=small_city.a1, year=2023), tmp_path
    )
    assert re.search(rf"2023年第四季度\s+{re.escape(str(total))}", text)
