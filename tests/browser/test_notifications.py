"""The notification centre on a 360 × 740 phone: the menu's unread count, the list, one tap to the item."""

import pytest

from notifications.services import notifications_sync
from tests.conftest import browser_login, build_small_city
from tests.notifications.helpers import build_reminders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_sees_the_count_opens_a_reminder_and_it_is_read(live_server, phone):
    build_reminders(build_small_city())
    notifications_sync()
    browser_login(phone, live_server, "cun")
    phone.click("summary:has-text('菜单')")
    phone.click("details.nav-menu a:has-text('消息（4）')")
    phone.wait_for_url("**/notifications/")
    main = phone.inner_text("main")
    assert "共 4 条，未读 4 条" in main and "三会一课记录不全" in main
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("main a:has-text('“三会一课”')")
    phone.wait_for_url("**/pilot/items/*/")
    assert "三会一课" in phone.inner_text("h1")
    phone.goto(f"{live_server.url}/notifications/")
    assert "共 4 条，未读 3 条" in phone.inner_text("main")
    assert phone.locator("details.nav-menu a:has-text('消息（3）')").count() == 1
