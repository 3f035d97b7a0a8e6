"""Year-end reports in a real browser: a secretary downloads their unit's report on a phone."""

import pytest

from tests.conftest import browser_login, build_small_city
from tests.reports.helpers import publish_annual

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unit_secretary_downloads_own_report_as_pdf_on_a_phone(live_server, phone, tmp_path):
    city = build_small_city()
    publish_annual([city.a1, city.a2, city.b1])
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/reports/?year=2023")
    assert "甲一村党总支" in phone.inner_text("main")
    assert "乙一村" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    with phone.expect_download() as info:
        phone.click("text=下载年度考核报告（PDF）")
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert info.value.suggested_filename.endswith(".pdf")
    phone.screenshot(path="/tmp/shot-reports-phone.png", full_page=True)


def test_city_dashboard_shows_charts_and_prints_cleanly(live_server, desktop):
    city = build_small_city()
    publish_annual([city.a1, city.a2, city.b1])
    browser_login(desktop, live_server, "shi")
    desktop.goto(f"{live_server.url}/reports/org/{city.city.pk}/?year=2023")
    assert desktop.locator("svg[role=img]").count() >= 4
    assert "全地域" in desktop.inner_text("main")
    desktop.screenshot(path="/tmp/shot-reports-city.png", full_page=True)
    desktop.emulate_media(media="print")
    assert not desktop.is_visible(".topbar")
