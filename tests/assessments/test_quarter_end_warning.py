"""A quarter that ends with no published scheme: the job says so in the log and on the
department's home page, until a scheme is published."""

import logging
from datetime import date

from django.urls import reverse
from django.utils import timezone

from assessments.models import SchemeKind, ScoreRun
from assessments.scoring import previous_quarter
from assessments.tasks import quarter_end, quarter_end_gaps, quarter_end_periods
from tests.assessments import helpers as h


def test_quarter_end_periods_follow_the_calendar():
    assert quarter_end_periods(date(2023, 4, 1)) == ["2023Q1"]
    assert quarter_end_periods(date(2023, 7, 1)) == ["2023Q2", "2023H1"]
    assert quarter_end_periods(date(2024, 1, 1)) == ["2023Q4", "2023H2", "2023"]


def test_the_job_logs_each_period_it_cannot_compute(small_city, caplog):
    h.make_scheme(kind=SchemeKind.SUPERVISION)  # 2023 has a quarterly scheme, no half-year one
    with caplog.at_level(logging.WARNING, logger="assessments.tasks"):
        started = quarter_end("2023-07-01")
    assert list(ScoreRun.objects.filter(pk__in=started).values_list("period", "kind")) == [
        ("2023Q2", "supervision")
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["quarter_end 2023H1 half_year: 2023 年没有已发布的“半年考评”指标体系，未计算。"]
    # On the home page: the half-year only (the quarter was computed).
    assert [(g["period"], g["kind"]) for g in quarter_end_gaps(date(2023, 7, 1))] == [("2023H1", "half_year")]


def test_the_gap_goes_once_a_scheme_is_published(small_city):
    assert len(quarter_end_gaps(date(2023, 4, 2))) == 1  # 2023Q1 supervision, no scheme at all
    h.make_scheme(kind=SchemeKind.SUPERVISION)
    quarter_end("2023-04-02")
    assert quarter_end_gaps(date(2023, 4, 2)) == []


def test_the_departments_home_shows_the_card_and_nobody_elses(client, small_city):
    # No scheme exists in the small city: the quarter that ended last (real today) was not computed.
    quarter = previous_quarter(timezone.localdate())
    client.force_login(small_city.users["shi"])
    body = client.get(reverse("branches:home")).content.decode()
    assert "季度末计分未进行" in body
    name = f"{quarter[:4]}年第{'一二三四'[int(quarter[-1]) - 1]}季度"  # 2026Q3 → 2026年第三季度
    assert f"{name}：{quarter[:4]} 年没有已发布的“季度督办得分”指标体系，未计算。" in body
    client.force_login(small_city.users["zhen"])
    assert "季度末计分未进行" not in client.get(reverse("branches:home")).content.decode()
