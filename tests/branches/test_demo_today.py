"""The demo city lives on a given day (``--today``): its plan, checklists, supervision and scores
stand as they would on that day. Expected values are worked out by hand from the task table in
``pilot/demo.py`` (TASKS) and the calendar, not read back from the generator."""

import io
from datetime import date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from assessments.models import Appeal, Finding, FindingStatus, ScoreRun, StandardCheck
from branches.models import Level, Organization, Role
from pilot.models import Activity, ActivityKind, ChecklistItem, ItemStatus, Plan, PlanYear, Task

TODAY = date(2026, 11, 12)  # a Thursday before the month's due day (the 25th)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """One demo city for the module, built on TODAY inside a transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_city", "--members", "300", "--today", TODAY.isoformat(), "--force",
                     stdout=io.StringIO())  # fmt: skip
        yield
        transaction.set_rollback(True)


def _cun():
    return Role.objects.get(user__username="cun").organization


def _share(qs, q) -> float:
    n = qs.count()
    return qs.filter(q).count() / n if n else 0.0


@pytest.mark.django_db
def test_the_pilot_spans_last_year_to_next_year_with_tasks_for_the_years_so_far(city):
    plan = Plan.objects.get()
    assert (plan.start_year, plan.end_year) == (2025, 2027)
    assert "2025—2027" in plan.name
    # 2027 is for the department to start (启动新年度).
    assert list(PlanYear.objects.values_list("year", "theme")) == [(2025, "标准强化年"), (2026, "质量提升年")]
    # 6 common tasks and 16 per domain, for last year and this year; next year is still to plan.
    assert dict(Task.objects.values_list("plan_year__year").annotate(n=Count("id"))) == {2025: 22, 2026: 22}
    assert Task.objects.filter(plan_year__year=2026, is_common=True).count() == 6
    assert PlanYear.objects.get(year=2026).goals.count() == 6


@pytest.mark.django_db
def test_every_month_so_far_has_its_checklist_and_none_after_today(city):
    periods = sorted(ChecklistItem.objects.order_by().values_list("period", flat=True).distinct())
    # January 2025 through November 2026: 12 + 11 months.
    assert len(periods) == 23
    assert periods[0] == date(2025, 1, 1) and periods[-1] == date(2026, 11, 1)


@pytest.mark.django_db
def test_the_village_secretarys_november_checklist_is_due_not_overdue(city):
    items = ChecklistItem.objects.filter(organization=_cun(), period=date(2026, 11, 1))
    # A village in November: G01, G02, V01 (monthly, due the 25th) and G05 五星党员创评 (once, 11-30);
    # no quarterly task (not a quarter's last month).
    assert sorted(items.values_list("task__code", "due_date")) == [
        ("G01", date(2026, 11, 25)),
        ("G02", date(2026, 11, 25)),
        ("G05", date(2026, 11, 30)),
        ("V01", date(2026, 11, 25)),
    ]
    assert not items.filter(is_late=True).exists()


@pytest.mark.django_db
def test_the_current_month_is_being_reported_and_nothing_in_it_is_overdue(city):
    month = ChecklistItem.objects.filter(period=date(2026, 11, 1))
    # Every November due date is the 25th or the 30th (G05): on the 12th nothing can be late.
    assert not month.filter(is_late=True).exists()
    statuses = set(month.values_list("status", flat=True))
    assert {ItemStatus.PENDING, ItemStatus.SUBMITTED, ItemStatus.ACCEPTED} <= statuses
    assert _share(month, Q(status=ItemStatus.PENDING)) > 0.5  # twelve days into the month


@pytest.mark.django_db
def test_past_months_have_a_realistic_spread_with_a_few_overdue(city):
    past = ChecklistItem.objects.filter(period__lt=date(2026, 11, 1))
    assert set(past.values_list("status", flat=True)) == set(ItemStatus.values)
    overdue = Q(is_late=True, status__in=[ItemStatus.PENDING, ItemStatus.RETURNED])
    assert 0 < _share(past, overdue) < 0.1
    assert past.filter(is_late=True, status=ItemStatus.ACCEPTED).exists()  # accepted but reported late
    # 有快有慢: accepted shares of the townships differ by more than 15 points in settled months.
    rates = [
        r["ok"] / r["n"]
        for r in past.filter(period__lte=date(2026, 7, 1))
        .exclude(organization__township=None)
        .values("organization__township_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(status=ItemStatus.ACCEPTED)))
    ]
    assert max(rates) - min(rates) > 0.15


@pytest.mark.django_db
def test_nothing_happened_after_today(city):
    cap = datetime.combine(TODAY, time(23, 59), timezone.get_current_timezone())
    agg = ChecklistItem.objects.aggregate(s=Max("submitted_at"), a=Max("accepted_at"), r=Max("returned_at"))
    assert all(v <= cap for v in agg.values())
    assert Activity.objects.aggregate(d=Max("held_on"))["d"] <= TODAY
    assert Finding.objects.aggregate(d=Max("found_on"))["d"] <= TODAY


@pytest.mark.django_db
def test_branches_keep_their_own_organizational_life(city):
    branches = Organization.objects.filter(level=Level.BRANCH)
    assert branches.exists()
    oct_ = Activity.objects.filter(held_on__gte=date(2026, 10, 1), held_on__lte=date(2026, 10, 31))
    with_theme_day = oct_.filter(kind=ActivityKind.THEME_DAY, organization__in=branches)
    # Most branches hold a themed Party day in a month; a few let it slide.
    share = with_theme_day.order_by().values("organization").distinct().count() / branches.count()
    assert 0.6 < share < 1.0
    # 三会一课: the quarter's members' meeting and Party lecture in September.
    kinds = set(Activity.objects.filter(organization__in=branches, held_on__month=9, held_on__year=2026)
                .values_list("kind", flat=True))  # fmt: skip
    assert {ActivityKind.MEMBERS_MEETING, ActivityKind.PARTY_LECTURE, ActivityKind.COMMITTEE_MEETING} <= kinds


@pytest.mark.django_db
def test_past_quarters_are_published_and_the_latest_is_on_notice(city):
    runs = {(r.period, r.kind): r for r in ScoreRun.objects.exclude(status="superseded")}
    # On 2026-11-12 the last four quarters to end are 2025Q4, 2026Q1, Q2 and Q3; with them ended
    # 2025H2, 2025 (堡垒指数 and 年度考核) and 2026H1. Only 2026Q3 — the latest — is on 公示.
    assert sorted(runs) == sorted([
        ("2025Q4", "supervision"), ("2025H2", "half_year"), ("2025", "fortress"), ("2025", "annual"),
        ("2026Q1", "supervision"), ("2026Q2", "supervision"), ("2026H1", "half_year"), ("2026Q3", "supervision"),
    ])  # fmt: skip
    notice = [k for k, r in runs.items() if r.status == "notice"]
    assert notice == [("2026Q3", "supervision")]
    assert runs["2026Q3", "supervision"].notice_until == date(2026, 11, 15)
    assert all(r.status == "published" for k, r in runs.items() if k not in notice)


@pytest.mark.django_db
def test_findings_and_standards_in_every_state(city):
    f = Finding.objects.all()
    assert f.filter(status=FindingStatus.OPEN, deadline__gte=TODAY).exists()  # being rectified
    assert f.filter(status=FindingStatus.OPEN, deadline__lt=TODAY, escalated_at__isnull=False).exists()
    assert f.filter(status=FindingStatus.ANSWERED).exists()
    assert f.filter(status=FindingStatus.CLOSED).exists()
    assert f.filter(status=FindingStatus.WITHDRAWN).exists()
    assert Appeal.objects.filter(ruling=Appeal.Ruling.PENDING).exists()
    # The village secretary sees one of each: closed, open, answered, overdue, appealed.
    mine = Finding.objects.filter(organization=_cun(), found_on=date(2026, 10, 3))
    assert mine.count() == 5
    assert mine.filter(status=FindingStatus.OPEN, deadline__lt=TODAY).count() == 1  # due 11-02
    assert Appeal.objects.filter(finding__in=mine, ruling=Appeal.Ruling.PENDING).count() == 1
    this_year = StandardCheck.objects.filter(item__standard__year=2026)
    assert this_year.filter(verified_met__isnull=True).exists()  # self-checked, awaiting the level above
    assert this_year.filter(verified_met=True).exists() and this_year.filter(verified_met=False).exists()
    checked = this_year.order_by().values("organization").distinct().count()
    assert checked < Organization.objects.filter(level__in=[Level.UNIT, Level.BRANCH]).count()  # some pending


@pytest.mark.django_db
def test_rerunning_the_months_job_over_the_demo_creates_nothing(city):
    from pilot.services import checklist_generate

    assert checklist_generate(period=date(2026, 11, 1)) == 0


def test_today_must_be_a_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("demo_city", "--today", "2026/11/12", "--force", stdout=io.StringIO())


@pytest.mark.django_db
def test_reports_late_and_on_time_and_brands_published_and_not(city):
    from pilot.models import Brand, ProgressReport

    assert ProgressReport.objects.filter(is_late=True).exists()
    assert ProgressReport.objects.filter(is_late=False).exists()
    assert Brand.objects.published().exists() and Brand.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db
def test_demo_accounts_find_their_reminders_waiting_and_each_opens(city, client):
    from notifications.models import Notification
    from notifications.services import notifications_sync

    for username in ("cun", "zhen"):
        mine = Notification.objects.filter(user__username=username)
        assert mine.filter(read_at__isnull=True).exists(), username
        assert {timezone.localtime(n.created_at).date() for n in mine} == {TODAY}
        client.force_login(Role.objects.get(user__username=username).user)
        assert "消息（" in client.get("/").content.decode()
        for n in mine[:20]:
            assert client.get(n.url).status_code == 200, (username, n.kind, n.url)
    # the beat job running again on the same day adds nothing
    assert notifications_sync(today=TODAY) == 0


@pytest.mark.django_db
def test_member_records_are_not_dated_after_today_nor_before_joining(city):
    from django.db.models import F

    from members.models_life import PositionRecord, RewardRecord, TrainingRecord, TripRecord

    for model, fields in ((PositionRecord, ["started_on", "ended_on"]), (RewardRecord, ["decided_on"]),
                          (TrainingRecord, ["started_on", "ended_on"]), (TripRecord, ["left_on", "returned_on"])):  # fmt: skip
        assert model.objects.exists()
        latest = model.objects.aggregate(**{f: Max(f) for f in fields})
        assert all(d <= TODAY for d in latest.values() if d), (model.__name__, latest)
    assert not PositionRecord.objects.filter(started_on__lt=F("member__joined_on")).exists()
    assert not RewardRecord.objects.filter(decided_on__lt=F("member__joined_on")).exists()


@pytest.mark.django_db
def test_the_published_fortress_index_spreads_over_every_star(city):
    from assessments.models import ScoreResult

    run = ScoreRun.objects.get(period="2025", kind="fortress", status="published")
    grades = dict(ScoreResult.objects.filter(run=run).values_list("stars").annotate(n=Count("id")).order_by())
    # 五星 … 一星 and 后进 (0 stars): a few 示范党支部 at the top, a few 后进 at the bottom.
    assert set(grades) == {0, 1, 2, 3, 4, 5}, grades
    assert grades[5] >= 3 and grades[0] >= 3
    # Five stars needs 90 points and an innovation project (the scheme's top band).
    five = ScoreResult.objects.filter(run=run, stars=5)
    assert all(r.total >= 90 and r.innovation for r in five)
