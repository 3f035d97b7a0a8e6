"""A village secretary imports the roster on a phone: one bad row, fix, import."""

import pytest

from members.models import Member
from tests.conftest import browser_login, build_small_city
from tests.members.helpers import row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_secretary_imports_roster_with_a_bad_row_fixes_it_and_imports(live_server, phone, tmp_path):
    city = build_small_city()
    code = city.a1_branch.code
    bad = tmp_path / "花名册.xlsx"
    bad.write_bytes(xlsx([row(1, code), row(2, code, 手机号码="1380013"), row(3, code)]).getvalue())
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/members/import/")
    phone.set_input_files("input[type=file]", str(bad))
    phone.click("#import-form button[type=submit]")
    errors = phone.inner_text("#import-errors")
    assert "第3行" in errors and "手机号码" in errors and "11 位" in errors
    assert not phone.is_visible("#import-confirm")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path="/tmp/shot-members-import-error.png", full_page=True)
    assert Member.objects.count() == 0

    fixed = tmp_path / "花名册-已修改.xlsx"
    fixed.write_bytes(xlsx([row(1, code), row(2, code, 手机号码="13800138000"), row(3, code)]).getvalue())
    phone.set_input_files("input[type=file]", str(fixed))
    phone.click("#import-form button[type=submit]")
    assert "新增" in phone.inner_text("#import-preview")
    phone.click("#import-confirm")
    phone.wait_for_load_state()
    assert "导入完成：新增 3 人" in phone.inner_text("main")
    assert Member.objects.filter(organization=city.a1_branch).count() == 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path="/tmp/shot-members-import-done.png", full_page=True)
