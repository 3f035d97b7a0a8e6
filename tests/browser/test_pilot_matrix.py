"""The township matrix on a desktop: one-click return asks for the reason in place (pilot.js)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pilot import services
from pilot.models import ChecklistItem, ItemStatus
from tests.conftest import browser_login, build_small_city
from tests.pilot.helpers import setup_checklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_township_returns_from_the_matrix_with_a_prompted_reason(live_server, desktop):
    city = build_small_city()
    period = setup_checklist()
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=10))
    item = ChecklistItem.objects.get(organization=city.a1, task__code="G02", period=period)
    services.report_submit(
        # The unit's secretary reports (the township only reviews; it may not report for the unit).
        actor=city.users["cun"],
        item=item,
        state="done",
        percent=100,
        narrative="已召开支委会",
    )
    browser_login(desktop, live_server, "zhen")
    desktop.goto(f"{live_server.url}/pilot/matrix/?status=submitted")
    desktop.once("dialog", lambda d: d.accept("会议记录缺少签名"))
    desktop.click(f"form.quick-return[action='/pilot/review/{item.pk}/'] button")
    desktop.wait_for_load_state()
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED and item.return_reason == "会议记录缺少签名"
    assert "已退回" in desktop.inner_text("main")
