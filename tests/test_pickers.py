"""Period filters are pickers with Chinese names; a score's sources open for the period scored; pages
open on the latest period that has data."""

from datetime import date

import pytest
from django.urls import reverse

from assessments.source_links import source_links
from tests.assessments import helpers as h
from tests.assessments.test_views import JUL, _publish


@pytest.fixture
def scored(small_city):
    c = small_city
    h.make_scheme()
    h.checklist(c.a1, month=JUL, accepted=3, total=4)
    _publish("2023Q2")
    _publish("2023Q3")
    return c


def test_results_page_picks_periods_by_their_chinese_names_and_opens_on_the_latest(scored, client):
    c = scored
    client.force_login(c.users["cun"])
    body = client.get(reverse("assessments:unit_result", args=[c.a1.pk])).content.decode()
    assert '<select id="id_period" name="period">' in body
    assert '<option value="2023Q3" selected>2023年第三季度</option>' in body
    assert '<option value="2023Q2">2023年第二季度</option>' in body
    assert "2023Q3" not in body.replace('value="2023Q3"', "").replace("period=2023Q3", "")


def test_sources_link_to_the_page_and_the_period_scored(small_city):
    c = small_city
    links = source_links(c.a1, "2023Q3")
    assert links["standards"] == f"/assessments/standards/{c.a1.pk}/?year=2023"
    assert links["activities"] == f"/pilot/activities/?org={c.a1.pk}&period=2023Q3"
    assert links["pilot"] == f"/pilot/?org={c.a1.pk}&month=2023-07"
    assert links["findings"] == f"/assessments/findings/?org={c.a1.pk}&period=2023Q3"
    assert links["funding"] == f"/pilot/funding/?org={c.a1.pk}&year=2023"
    assert source_links(c.a1, "2024H2")["pilot"].endswith("month=2024-07")


def test_activities_link_from_a_score_shows_that_quarter(small_city, client):
    from pilot import services

    c = small_city
    for d, topic in [(date(2023, 8, 1), "八月主题党日"), (date(2023, 11, 1), "十一月主题党日")]:
        services.activity_record(
            actor=c.users["cun"], organization=c.a1, kind="theme_day", held_on=d, topic=topic
        )
    client.force_login(c.users["cun"])
    body = client.get(source_links(c.a1, "2023Q3")["activities"]).content.decode()
    assert "八月主题党日" in body and "十一月主题党日" not in body
    assert '<option value="2023Q3" selected>2023年第三季度</option>' in body


def test_standards_open_on_the_latest_year_that_has_a_standard(small_city, client):
    c = small_city
    h.village_standard(2023)
    client.force_login(c.users["cun"])
    body = client.get(reverse("assessments:standards", args=[c.a1.pk])).content.decode()
    assert "标准第1条" in body and "2023年度" in body


def test_month_and_year_pickers_name_months_and_years_in_chinese(small_city, client):
    c = small_city
    client.force_login(c.users["zhen"])
    body = client.get(reverse("pilot:matrix"), {"org": c.town_a.pk, "month": "2026-11"}).content.decode()
    assert '<option value="2026-11" selected>2026年11月</option>' in body
    client.force_login(c.users["shi"])
    body = client.get(reverse("members:pioneer_grid", args=[c.a1.pk]), {"year": "2024"}).content.decode()
    assert '<option value="2024" selected>2024年度</option>' in body
