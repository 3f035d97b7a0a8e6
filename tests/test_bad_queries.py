"""Query values a page cannot read (a typed 考核期, ``month=bad``, ``year=abc``) never answer 500 or
the debug page: the page falls back and says so in Chinese; Chinese spellings are read."""

from datetime import date

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from branches import params


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2023Q3", "2023Q3"),
        ("2023q3", "2023Q3"),
        ("2023年四季度", "2023Q4"),
        ("2023年第四季度", "2023Q4"),
        ("2023年第4季度", "2023Q4"),
        ("２０２３年第一季度", "2023Q1"),
        ("2024年上半年", "2024H1"),
        ("2024年下半年", "2024H2"),
        ("2024H1", "2024H1"),
        ("2024年度", "2024"),
        ("2024", "2024"),
        ("2023Q5", None),
        ("2023H3", None),
        ("2023年第五季度", None),
        ("abc", None),
        ("", None),
        ("1899", None),
    ],
)
def test_period_codes_and_their_chinese_names_are_read(typed, code):
    assert params.parse_period(typed) == code


def test_period_and_month_names_are_chinese():
    assert params.period_label("2023Q4") == "2023年第四季度"
    assert params.period_label("2024H1") == "2024年上半年"
    assert params.period_label("2024H2") == "2024年下半年"
    assert params.period_label("2024") == "2024年度"
    assert params.month_label(date(2026, 11, 1)) == "2026年11月"


@pytest.mark.parametrize(
    ("typed", "month"),
    [("2026-11", date(2026, 11, 1)), ("2026-1", date(2026, 1, 1)), ("2026年11月", date(2026, 11, 1)),
     ("202611", date(2026, 11, 1)), ("2026/11", date(2026, 11, 1)), ("bad", None), ("2026-13", None),
     ("9999-12", None), ("2026-00", None)],
)  # fmt: skip
def test_months(typed, month):
    assert params.parse_month(typed) == month


def test_years():
    assert params.parse_year("2024") == 2024 and params.parse_year("2024年") == 2024
    assert params.parse_year("abc") is None and params.parse_year("99999") is None
    assert params.parse_year("1999") is None


def _urls(c):
    a1, town = c.a1.pk, c.town_a.pk
    return [
        (reverse("pilot:checklist"), {"month": "bad"}),
        (reverse("pilot:checklist"), {"month": "9999-12"}),
        (reverse("pilot:matrix"), {"org": town, "month": "2023-13"}),
        (reverse("pilot:city"), {"month": "bad"}),
        (reverse("pilot:plan"), {"year": "abc"}),
        (reverse("pilot:pocketbook"), {"year": "abc"}),
        (reverse("pilot:economy"), {"year": "99999"}),
        (reverse("pilot:funding"), {"year": "abc"}),
        (reverse("assessments:index"), {"period": "2023Q9"}),
        (reverse("assessments:unit_result", args=[a1]), {"period": "bad"}),
        (
            reverse("assessments:ranking", args=[town]),
            {"period": "x", "kind": "y", "page": "abc", "domain": "z"},
        ),
        (reverse("assessments:ranking", args=[town]), {"period": "2023Q1", "kind": "fortress"}),
        (reverse("assessments:fortress", args=[a1]), {"year": "abc"}),
        (reverse("assessments:plan", args=[a1]), {"year": "abc"}),
        (reverse("assessments:findings"), {"period": "2023年四季", "status": "zz"}),
        (reverse("assessments:standards", args=[a1]), {"year": "abc"}),
        (reverse("assessments:surveys", args=[a1]), {"period": "bad"}),
        (reverse("assessments:entry_grid", args=[town]), {"period": "bad", "page": "abc"}),
        (reverse("assessments:city"), {"period": "bad"}),
        (reverse("reports:dashboard_org", args=[town]), {"year": "abc"}),
        (reverse("members:pioneer_grid", args=[a1]), {"year": "abc"}),
        (reverse("members:dues_unpaid"), {"month": "bad", "org": a1}),
        (reverse("members:dues_totals", args=[a1]), {"year": "abc"}),
    ]


@pytest.mark.django_db
def test_bad_query_values_fall_back_with_a_chinese_message(small_city, client):
    client.force_login(small_city.users["shi"])
    for url, query in _urls(small_city):
        resp = client.get(url, query, follow=True)
        assert resp.status_code == 200, (url, query, resp.status_code)
        body = resp.content.decode()
        assert "无法识别" in body, (url, query)
        assert "Traceback" not in body


@pytest.mark.django_db
def test_a_chinese_period_is_read_not_refused(small_city, client):
    client.force_login(small_city.users["shi"])
    body = client.get(reverse("assessments:findings"), {"period": "2023年四季度"}).content.decode()
    assert "无法识别" not in body
    assert 'value="2023Q4" selected' in body


@pytest.mark.django_db
def test_error_pages_are_chinese_with_debug_off(settings, small_city):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(small_city.users["cun"])
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404
    body = resp.content.decode()
    assert "未找到该页面" in body and "URLconf" not in body and "Page not found" not in body
    assert "服务器出错了" in get_template("500.html").render()
    assert "请求无法处理" in get_template("400.html").render()


BAD = {"month": "bad", "year": "abc", "period": "2023年四季", "page": "-1", "kind": "x", "status": "x",
       "stage": "x", "direction": "x", "tab": "x", "part": "x", "domain": "x", "element": "x", "state": "x",
       "category": "x", "q": "x" * 500}  # fmt: skip


@pytest.mark.django_db
def test_no_page_answers_500_to_bad_query_values(small_city):
    from tests.test_no_raw_codes import urls_for

    client = Client(raise_request_exception=False)
    for username in ("shi", "zhen", "cun", "ducha"):
        client.force_login(small_city.users[username])
        for url in urls_for(small_city.users[username]):
            resp = client.get(url, BAD)
            assert resp.status_code < 500, (username, url, resp.status_code)
