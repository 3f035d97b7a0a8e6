"""Scheduled jobs and the demo data."""

import random

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
    # run again the same day: the drafts are recomputed (superseded), never two active runs
    with django_capture_on_commit_callbacks(execute=True):
        quarter_end("2023-07-01")
    assert ScoreRun.objects.filter(period="2023Q2", status=RunStatus.DRAFT).count() == 1


def test_demo_builds_a_year_of_supervision_with_published_scores(db):
    from assessments import demo
    from branches.demo import build_accounts, build_tree
    from members import demo as members_demo

    ctx = build_tree(rng=random.Random(1), orgs_target=None, log=lambda *_: None)
    build_accounts(ctx)
    members_demo.build(ctx)  # the fortress index reads the branches' members and pioneer index
    demo.build(ctx)
    published = ScoreRun.objects.filter(status=RunStatus.PUBLISHED)
    assert set(published.values_list("period", flat=True)) >= {"2023Q1", "2023Q2", "2023Q3", "2023H1", "2023"}
    assert ScoreRun.objects.get(period="2023Q4").status == RunStatus.DRAFT
    assert ScoreResult.objects.filter(run__in=published, kind="fortress").exclude(stars=0).exists()
