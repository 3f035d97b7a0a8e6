"""Assessment journeys in a real browser: a resident answers the survey on a phone from the QR
link; a village secretary reads why the score dropped; the department watches a run finish."""

from datetime import date

import pytest

from assessments import scoring, services
from assessments.models import ScoreRun, SurveyResponse
from tests.assessments import helpers as h
from tests.conftest import browser_login, build_small_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_answers_the_survey_on_a_phone_once(live_server, phone):
    city = build_small_city()
    key = services.public_page_for(city.a1).key
    phone.goto(f"{live_server.url}/assessments/s/{key}/")
    assert city.a1.name in phone.inner_text("main") and "甲二村" not in phone.content()
    phone.check("input[value=basic]")
    phone.fill("textarea[name=comment]", "希望多开展志愿服务")
    phone.click("button[type=submit]")
    assert "感谢您的评价" in phone.inner_text("main")
    phone.goto(f"{live_server.url}/assessments/s/{key}/")  # the same phone comes back: no form
    assert "已经评价过" in phone.inner_text("main") and phone.locator("input[name=rating]").count() == 0
    assert SurveyResponse.objects.filter(organization=city.a1).count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_secretary_sees_which_indicator_made_the_score_drop(live_server, phone):
    city = build_small_city()
    h.make_scheme()
    h.checklist(city.a1, month=date(2023, 4, 1), accepted=4, total=4)
    h.checklist(city.a1, month=date(2023, 7, 1), accepted=1, total=4)
    for p in ("2023Q2", "2023Q3"):
        run = services.run_start(actor=None, period=p, kind="supervision", enqueue=False)
        scoring.run_compute(run.pk)
        services.run_publish(actor=None, run=ScoreRun.objects.get(pk=run.pk))
    browser_login(phone, live_server, "cun")
    phone.goto(f"{live_server.url}/assessments/unit/{city.a1.pk}/?period=2023Q3")
    main = phone.inner_text("main")
    # completion 40 × 4/4 = 40 in Q2, 40 × 1/4 = 10 in Q3: −30 on that line
    assert "任务完成率" in main and "-30.0" in main
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_department_starts_a_run_and_sees_it_finish(live_server, desktop):
    build_small_city()
    h.make_scheme()
    browser_login(desktop, live_server, "shi")
    desktop.goto(f"{live_server.url}/assessments/runs/")
    desktop.select_option("select[name=period]", "2023Q3")  # the picker: 2023年第三季度
    desktop.click("form button.btn-primary")
    desktop.wait_for_selector("text=草稿待审核")
    assert "100%" in desktop.get_attribute("[data-role=bar]", "style")
    desktop.once("dialog", lambda d: d.accept())  # data-confirm
    desktop.click("text=审核通过并发布（定级）")
    desktop.wait_for_selector("text=已发布")
