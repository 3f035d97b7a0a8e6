"""Foundation journeys in a real browser (Debian Chromium through Playwright)."""

import pytest

from tests.conftest import browser_login, build_small_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_secretary_on_a_phone_sees_only_their_organization(live_server, phone):
    city = build_small_city()
    browser_login(phone, live_server, "cun")
    assert phone.url.rstrip("/") == live_server.url
    body = phone.inner_text("main")
    assert "甲一村党总支" in body and "甲一村第一党支部" in body
    assert "乙一村" not in body and "甲二村" not in body
    # Nothing wider than the 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # The menu opens on a phone and has the Chinese entries.
    phone.click("details.nav-menu summary")
    assert phone.is_visible("details.nav-menu >> text=退出登录")
    # Changing the id in the URL to another village shows nothing of it.
    phone.goto(f"{live_server.url}/orgs/{city.b1.pk}/")
    assert "未找到" in phone.inner_text("main") and "乙一村" not in phone.content()
    phone.screenshot(path="/tmp/shot-cun-phone.png", full_page=True)


def test_township_secretary_sees_whole_township_and_nothing_of_another(live_server, desktop):
    city = build_small_city()
    browser_login(desktop, live_server, "zhen")
    body = desktop.inner_text("main")
    for name in ("甲镇党委", "甲一村党总支", "甲二村党支部"):
        assert name in body
    assert "乙镇" not in body and "乙一村" not in body
    desktop.click("text=甲一村党总支")
    assert "甲一村第一党支部" in desktop.inner_text("main")
    for other in (city.town_b, city.b1, city.city):
        desktop.goto(f"{live_server.url}/orgs/{other.pk}/")
        assert "未找到" in desktop.inner_text("main")
    desktop.goto(f"{live_server.url}/orgs/?q=乙")
    assert "乙一村" not in desktop.inner_text("main")
    desktop.screenshot(path="/tmp/shot-zhen-desktop.png", full_page=True)


def test_login_failure_message_is_chinese(live_server, phone):
    build_small_city()
    browser_login(phone, live_server, "cun", password="wrong-password")
    assert "请输入一个正确的用户名和密码" in phone.inner_text(
        "main"
    ) or "正确的用户名和密码" in phone.inner_text("main")
