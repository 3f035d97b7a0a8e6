"""Scheduled jobs and the demo data."""

import random
from datetime import date

from assessments.models import RunStatus, ScoreResult, ScoreRun
from assessments.tasks import quarter_end
from tests.assessments import helpers as h


def test_quarter_end_computes_the_quarter_just_ended_and_the_half_year(
    small_city, django_capture_on_commit_callbacks
):
    from assessments.models import SchemeKind

    h.make_scheme(kind=SchemeKind.SUPERVISION)
    h.make_scheme(kind=SchemeKind.HALF_YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        started = quarter_end("2023-07-01")
    runs = ScoreRun.objects.filter(pk__in=started)
    assert sorted(runs.values_list("period", "kind")) == [("2023H1", "half_year"), ("2023Q2", "supervision")]
    assert set(runs.values_list("status", flat=True)) == {RunStatus.DRAFT}
    # the next day's second chance finds the quarter computed and does nothing (no recomputation)
    with django_capture_on_commit_callbacks(execute=True):
        assert quarter_end("2023-07-02") == []
    assert ScoreRun.objects.filter(period="2023Q2").count() == 1
    assert set(ScoreRun.objects.values_list("pk", flat=True)) == set(started)


def test_quarter_end_missed_on_the_first_day_runs_on_the_second(
    small_city, django_capture_on_commit_callbacks
):
    from django.conf import settings

    from assessments.models import SchemeKind

    entry = settings.CELERY_BEAT_SCHEDULE["assessments-quarter-end"]["schedule"]
    assert entry.day_of_month == {1, 2} and entry.month_of_year == {1, 4, 7, 10} and entry.hour == {2}
    h.make_scheme(kind=SchemeKind.SUPERVISION)
    with django_capture_on_commit_callbacks(execute=True):
        started = quarter_end("2023-10-02")  # beat was down on 1 October
    assert list(ScoreRun.objects.filter(pk__in=started).values_list("period", "status")) == [
        ("2023Q3", RunStatus.DRAFT)
    ]
    # a run that failed on the first day does not count as done: the second day starts a new one
    ScoreRun.objects.filter(pk__in=started).update(status=RunStatus.FAILED, failure="error")
    with django_capture_on_commit_callbacks(execute=True):
        again = quarter_end("2023-10-02")
    assert len(again) == 1 and ScoreRun.objects.get(pk=again[0]).status == RunStatus.DRAFT


def test_demo_builds_a_year_of_supervision_with_published_scores(db):
    from assessments import demo
    from branches.demo import build_accounts, build_tree
    from members import demo as members_demo

    # On 2026-02-10 the four quarters to end last are 2025Q1–Q4: all published but the latest
    # quarter's score, 2025Q4, and the half-year that ended with it (2025H2), which are on 公示;
    # the year 2025 (堡垒指数, 年度考核) is published.
    ctx = build_tree(rng=random.Random(1), orgs_target=None, log=lambda *_: None, today=date(2026, 2, 10))
    build_accounts(ctx)
    members_demo.build(ctx)  # the fortress index reads the branches' members and pioneer index
    demo.build(ctx)
    published = ScoreRun.objects.filter(status=RunStatus.PUBLISHED)
    assert set(published.values_list("period", flat=True)) == {"2025Q1", "2025Q2", "2025Q3", "2025H1", "2025"}
    notice = ScoreRun.objects.filter(status=RunStatus.NOTICE)
    assert sorted(notice.values_list("period", "kind")) == [
        ("2025H2", "half_year"),
        ("2025Q4", "supervision"),
    ]
    assert ScoreResult.objects.filter(run__in=published, kind="fortress").exclude(stars=0).exists()
    # 后进整改方案 in every state: done, under way, overdue — and some lagging branches still without
    from assessments.models import RectificationPlan

    plans = RectificationPlan.objects.all()
    assert plans.filter(progress=100).exists() and plans.filter(progress__lt=100).exists()
    assert any(p.is_overdue() for p in plans)
    lagging = ScoreResult.objects.filter(run__in=published, kind="fortress", lagging=True).count()
    assert 0 < plans.count() < lagging
