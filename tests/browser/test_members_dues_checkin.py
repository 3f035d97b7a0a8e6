"""On a 360 × 740 phone: a branch secretary records a month of dues for the whole branch, and
checks in three members at a 主题党日 by scanning their cards (the test feeds a photo of each QR
code to the page's camera/file input; the page decodes it with the vendored jsQR)."""

from decimal import Decimal

import pytest
import qrcode
from django.utils import timezone

from branches.policy import SYSTEM
from members import cards_services, dues_services
from members.cards import CheckIn
from members.dues import DuesPayment, PayerKind
from pilot import services as pilot_services
from tests.conftest import browser_login, build_small_city
from tests.members.helpers import add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_records_a_month_of_dues_for_the_branch_in_one_submit(live_server, phone):
    city = build_small_city()
    ms = [
        add_member(city.a1_branch, i, name=n) for i, n in enumerate(("张建国", "李秀兰", "王德福"), start=1)
    ]
    dues_services.dues_profile_set(actor=SYSTEM, member=ms[0], kind=PayerKind.SALARIED, base=3000)  # 15.00
    dues_services.dues_profile_set(actor=SYSTEM, member=ms[1], kind=PayerKind.RETIRED, base=6000)  # 60.00
    dues_services.dues_profile_set(actor=SYSTEM, member=ms[2], kind=PayerKind.FARMER, fixed_amount="0.5")
    month = timezone.localdate().strftime("%Y-%m")
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/members/dues/branch/{city.a1_branch.pk}/?month={month}")
    assert phone.input_value(f"input[name=amount-{ms[0].pk}]") == "15.00"  # base × rate, prefilled
    assert phone.input_value(f"input[name=amount-{ms[1].pk}]") == "60.00"
    phone.check("input[data-check-all=pay]")
    phone.fill(f"input[name=amount-{ms[2].pk}]", "1.00")  # 自愿多交
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path="/tmp/shot-members-dues-grid.png", full_page=True)
    phone.click("#dues-submit")
    phone.wait_for_load_state()
    assert "已登记 3 名党员" in phone.inner_text("main")
    paid = {p.member_id: p.amount for p in DuesPayment.objects.all()}
    assert paid == {ms[0].pk: Decimal("15.00"), ms[1].pk: Decimal("60.00"), ms[2].pk: Decimal("1.00")}
    phone.goto(f"{live_server.url}/members/dues/?org={city.a1_branch.pk}&month={month}")
    assert "已全部交齐" in phone.inner_text("#dues-unpaid")


def _qr_png(path, text):
    qrcode.make(text, box_size=8, border=4).save(path)
    return str(path)


def test_secretary_checks_in_three_members_by_scanning_their_cards(live_server, phone, tmp_path):
    city = build_small_city()
    ms = [
        add_member(city.a1_branch, i, name=n) for i, n in enumerate(("赵红梅", "钱国强", "孙志华"), start=1)
    ]
    act = pilot_services.activity_record(actor=SYSTEM, organization=city.a1, kind="theme_day",
                                         held_on=timezone.localdate(), topic="重温入党誓词")  # fmt: skip
    cards = [_qr_png(tmp_path / f"card{m.pk}.png", cards_services.card_token(m)) for m in ms]
    errors = []
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/members/checkin/{act.pk}/")
    for m, card in zip(ms, cards, strict=True):
        phone.set_input_files("#checkin-photo", card)
        phone.wait_for_function(
            "(n) => document.getElementById('checkin-result').textContent.includes(n)", arg=m.name
        )
        assert "签到成功" in phone.inner_text("#checkin-result")
    phone.set_input_files("#checkin-photo", cards[0])  # the same card again
    phone.wait_for_function("() => document.getElementById('checkin-result').textContent.includes('已签到')")
    assert phone.inner_text("#checkin-count") == "3"
    listed = phone.inner_text("#checkin-list")
    assert all(m.name in listed for m in ms)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path="/tmp/shot-members-checkin.png", full_page=True)
    act.refresh_from_db()
    assert act.attended == 3 and CheckIn.objects.filter(activity=act).count() == 3
    assert not [e for e in errors if "Content Security Policy" in e], errors
