"""The monthly-checklist journey on a 360 px phone: report with a photo, returned, fixed, accepted."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from pilot.models import ChecklistItem, ItemStatus
from tests.conftest import browser_login, build_small_city
from tests.pilot.helpers import setup_checklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path):
    p = tmp_path / "现场照片.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (180, 20, 20)).save(buf, format="JPEG")
    p.write_bytes(buf.getvalue())
    return str(p)


def test_village_secretary_reports_township_returns_then_accepts(live_server, phone, desktop, tmp_path):
    city = build_small_city()
    period = setup_checklist()
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=10))
    item = ChecklistItem.objects.get(organization=city.a1, task__code="G01", period=period)

    # The village secretary sees this month's checklist on the phone and reports one item with a photo.
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/pilot/")
    main = phone.inner_text("main")
    assert "支部主题党日" in main and "三会一课" in main and "待报送" in main
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("text=支部主题党日")
    phone.select_option("#id_state", "done")
    phone.fill("#id_narrative", "7月5日开展主题党日，重温入党誓词，到会党员23名。")
    phone.set_input_files("#id_evidence", _photo(tmp_path))
    phone.click("button:has-text('提交报送')")
    phone.wait_for_selector("ul.messages:has-text('已报送')")  # report.js posts, then opens the item again
    assert "待审核" in phone.inner_text("main")
    assert phone.is_visible("ul.evidence img")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The township secretary opens the matrix, the submitted cell, and returns it with a reason.
    browser_login(desktop, live_server, "zhen")
    desktop.goto(f"{live_server.url}/pilot/matrix/")
    assert "甲一村党总支" in desktop.inner_text("main") and "乙一村" not in desktop.inner_text("main")
    desktop.click(f"a.cell[href='/pilot/items/{item.pk}/']")
    desktop.fill("#id_reason", "照片看不清签到情况，请补充签到表。")
    desktop.click("button[value=return]")
    desktop.wait_for_load_state()
    assert "已退回" in desktop.inner_text("main")

    # The village secretary sees it returned, fixes it and resubmits.
    phone.goto(f"{live_server.url}/pilot/")
    main = phone.inner_text("main")
    assert "已退回" in main and "请补充签到表" in main
    phone.click("text=支部主题党日")
    assert phone.input_value("#id_narrative").startswith("7月5日")
    phone.fill("#id_narrative", "7月5日开展主题党日，到会党员23名，已补充签到表照片。")
    phone.set_input_files("#id_evidence", _photo(tmp_path))
    phone.click("button:has-text('提交报送')")
    phone.wait_for_selector("ul.messages:has-text('已报送')")  # report.js posts, then opens the item again
    assert "待审核" in phone.inner_text("main")

    # The township accepts with one click in the matrix.
    desktop.goto(f"{live_server.url}/pilot/matrix/")
    desktop.click(f"form[action='/pilot/review/{item.pk}/'] button[value=accept]")
    desktop.wait_for_load_state()
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED
    assert item.reports.count() == 2
    phone.goto(f"{live_server.url}/pilot/items/{item.pk}/")
    assert "已通过" in phone.inner_text("main")
    phone.screenshot(path="/tmp/shot-pilot-phone.png", full_page=True)
