"""Reporting on a 360 × 740 phone: a due item's report with a photo in six taps from the login page
(three to log in, three after), the photo downscaled in the browser, the offline outbox, and a
refused file named at the top while the other files stay chosen."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from pilot.models import ChecklistItem, Evidence, ItemStatus, ProgressReport
from tests.conftest import browser_login, build_small_city
from tests.pilot.helpers import setup_checklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path, name="IMG_0001.jpg", size=(4000, 3000)):
    """A phone camera's 12 Mpx shot, with noise so the JPEG is several megabytes."""
    p = tmp_path / name
    img = Image.effect_noise(size, 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95)
    p.write_bytes(buf.getvalue())
    return str(p)


def _due_item(city):
    period = setup_checklist()
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=2), is_late=False)
    return ChecklistItem.objects.get(organization=city.a1, task__code="G01", period=period)


class Taps:
    def __init__(self, page):
        self.page, self.n = page, 0

    def __call__(self, selector):
        self.n += 1
        self.page.locator(selector).first.tap()


def test_village_secretary_reports_a_due_item_with_a_photo_in_six_taps(live_server, phone, tmp_path):
    city = build_small_city()
    item = _due_item(city)
    photo = _photo(tmp_path)
    tap = Taps(phone)

    phone.goto(f"{live_server.url}/accounts/login/")
    tap("#id_username")
    phone.keyboard.type("cun")
    tap("#id_password")
    phone.keyboard.type("demo-pass-2023")
    tap("button[type=submit]")
    phone.wait_for_load_state()
    assert tap.n == 3

    tap(f"main a[href='/pilot/items/{item.pk}/']")  # the due item on the home page's to-do
    phone.wait_for_url(f"**/pilot/items/{item.pk}/")
    with phone.expect_file_chooser() as chooser:
        tap("[data-quick-done]")  # marks it done and opens the camera
    assert chooser.value.is_multiple() and phone.input_value("#id_state") == "done"
    chooser.value.set_files(photo)
    phone.wait_for_selector("ul.chosen-files img")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    tap("form[data-report-form] button[type=submit]")
    phone.wait_for_selector("ul.evidence img")
    assert tap.n == 6

    assert "待审核" in phone.inner_text("main") and "已报送“支部主题党日”" in phone.inner_text("main")
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED and item.percent == 100
    ev = Evidence.objects.get(report__item=item)
    with ev.file.open("rb") as f, Image.open(f) as got:
        assert got.size == (1600, 1200)  # 4000 × 3000 scaled to a long side of 1,600 in the browser
    assert ev.original_name == "IMG_0001.jpg"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_report_made_offline_waits_on_the_phone_and_is_sent_when_the_network_returns(
    live_server, phone, tmp_path
):
    city = build_small_city()
    item = _due_item(city)
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/pilot/items/{item.pk}/")
    phone.context.set_offline(True)
    with phone.expect_file_chooser() as chooser:
        phone.tap("[data-quick-done]")
    chooser.value.set_files(_photo(tmp_path, size=(2000, 1500)))
    phone.wait_for_selector("ul.chosen-files img")
    phone.tap("form[data-report-form] button[type=submit]")
    phone.wait_for_selector("#outbox-status:has-text('待发送 1 项')")
    assert "支部主题党日" in phone.inner_text("#outbox-status")
    assert not ProgressReport.objects.exists()

    phone.context.set_offline(False)  # the network returns: the outbox sends and the page reloads
    phone.wait_for_selector("ul.evidence img", timeout=30000)
    assert "待审核" in phone.inner_text("main")
    assert ProgressReport.objects.filter(item=item).count() == 1
    assert not phone.is_visible("#outbox-status:has-text('待发送')")
    # nothing is left in the outbox to be sent twice
    assert (
        phone.evaluate(
            """() => new Promise(r => { const q = indexedDB.open('pb-outbox', 1);
             q.onsuccess = () => { const g = q.result.transaction('reports').objectStore('reports').count();
                                   g.onsuccess = () => r(g.result); }; })"""
        )
        == 0
    )


def test_a_refused_file_is_named_at_the_top_and_the_other_stays_chosen(live_server, phone, tmp_path):
    city = build_small_city()
    item = _due_item(city)
    fake = tmp_path / "签到表.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 300)  # an executable under a PDF's name
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/pilot/items/{item.pk}/")
    with phone.expect_file_chooser() as chooser:
        phone.tap("[data-quick-done]")
    chooser.value.set_files(_photo(tmp_path, size=(1200, 900)))
    phone.wait_for_selector("ul[data-chosen=photos] img")
    phone.set_input_files("#id_evidence", str(fake))
    phone.wait_for_selector("ul[data-chosen=evidence] li")
    phone.tap("form[data-report-form] button[type=submit]")
    phone.wait_for_selector("#report-errors:visible")
    top = phone.inner_text("#report-errors")
    assert "“签到表.pdf”" in top and "不是允许的类型" in top
    assert phone.evaluate("document.getElementById('report-errors').getBoundingClientRect().top") < 200
    assert phone.locator("ul[data-chosen=evidence] li").count() == 0
    assert phone.locator("ul[data-chosen=photos] li").count() == 1  # the photo is still chosen
    assert not ProgressReport.objects.exists()
    phone.tap("form[data-report-form] button[type=submit]")
    phone.wait_for_selector("ul.evidence img")
    assert Evidence.objects.filter(report__item=item).count() == 1
