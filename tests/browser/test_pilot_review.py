"""Reviewing on a phone (360 × 740): from the home page's to-do to the review list, each report
accepted or returned in place and named; the same without JavaScript through the anchor."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pilot import services
from pilot.models import ChecklistItem, ItemStatus
from tests.conftest import browser_login, build_small_city
from tests.pilot.helpers import setup_checklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _city():
    city = build_small_city()
    period = setup_checklist()
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=10))
    items = []
    for code, text in (("G01", "召开主题党日，32 名党员参加"), ("G02", "支委会研究集体经济项目")):
        item = ChecklistItem.objects.get(organization=city.a1, task__code=code, period=period)
        services.report_submit(actor=city.users["cun"], item=item, state="done", percent=100, narrative=text)
        items.append(item)
    return city, period, items


def _no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_township_reviews_on_a_phone_in_place(live_server, phone):
    city, period, (g01, g02) = _city()
    month = f"{period.year}年{period.month}月"
    browser_login(phone, live_server, "zhen")
    _no_overflow(phone)
    phone.click("#todo a:has-text('下级报送待审核 2 项')")
    phone.wait_for_selector(f"#review-{g01.pk}")
    _no_overflow(phone)
    card = phone.locator(f"#review-{g01.pk}")
    assert "召开主题党日，32 名党员参加" in card.inner_text() and month in card.inner_text()
    box = card.locator("button:has-text('通过')").bounding_box()
    assert box["height"] >= 44
    url = phone.url
    card.locator("button:has-text('通过')").click()
    phone.wait_for_selector(f"#review-{g01.pk} .msg-success")
    assert phone.inner_text(f"#review-{g01.pk}") == f"已通过：甲一村党总支 · 支部主题党日 · {month}"
    assert phone.url == url  # no reload: the page stays where it was
    other = phone.locator(f"#review-{g02.pk}")
    other.locator("summary:has-text('退回')").click()
    other.locator("textarea[name=reason]").fill("缺少会议记录照片")
    other.locator("button:has-text('确认退回')").click()
    phone.wait_for_selector(f"#review-{g02.pk} .msg-success")
    assert "已退回：甲一村党总支 · 三会一课" in phone.inner_text(f"#review-{g02.pk}")
    _no_overflow(phone)
    phone.screenshot(path="/tmp/shot-pilot-review-phone.png", full_page=True)
    g01.refresh_from_db()
    g02.refresh_from_db()
    assert g01.status == ItemStatus.ACCEPTED
    assert g02.status == ItemStatus.RETURNED and g02.return_reason == "缺少会议记录照片"


def test_without_javascript_the_answer_comes_back_at_the_next_card(live_server, chromium):
    city, period, (g01, g02) = _city()
    ctx = chromium.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    page = ctx.new_page()
    try:
        browser_login(page, live_server, "zhen")
        page.goto(f"{live_server.url}/pilot/review/")
        page.locator(f"#review-{g01.pk} button:has-text('通过')").click()
        page.wait_for_load_state()
        assert page.url.endswith("#review-status")
        status = page.inner_text("#review-status")
        assert status == f"已通过：甲一村党总支 · 支部主题党日 · {period.year}年{period.month}月"
        # the message stands just above the next card, the one to decide now
        assert page.evaluate(
            f"document.getElementById('review-status').nextElementSibling.id === 'review-{g02.pk}'"
        )
        _no_overflow(page)
    finally:
        ctx.close()
    g01.refresh_from_db()
    assert g01.status == ItemStatus.ACCEPTED
