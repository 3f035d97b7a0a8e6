from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from branches.models import Domain
from branches.policy import Scope
from members.models import Member
from members.resident_id import make
from notifications.models import Delivery
from pilot import selectors, services
from pilot.evidence import check_upload
from pilot.models import (
    AnnualGoal,
    ChecklistItem,
    GoalMetric,
    ItemStatus,
    NoticeRecipient,
    ProgressReport,
    Review,
    Task,
)
from tests.factories import make_org

from .helpers import jpeg_upload, make_plan


def _item(city, org, code="G01"):
    return ChecklistItem.objects.get(organization=org, task__code=code, period=city["period"])


def test_checklist_generation_follows_domain_level_and_cadence(small_city):
    py = make_plan(2023)
    make_org(small_city.town_b, name="乙镇某社区党支部", domain=Domain.COMMUNITY)
    created = services.checklist_generate(period=date(2023, 7, 1))
    # 3 village units × (2 common + village) + 1 community × (2 common + community); July: no quarterly task.
    assert created == 3 * 3 + 3
    assert not ChecklistItem.objects.filter(organization=small_city.a1_branch).exists()
    assert not ChecklistItem.objects.filter(task__code="S01", organization=small_city.a1).exists()
    created_sep = services.checklist_generate(period=date(2023, 9, 1))
    assert created_sep == 4 * 4  # quarter-end month adds Q01 for everyone
    assert ChecklistItem.objects.filter(period=date(2023, 9, 1), task__code="G01").first().due_date == date(
        2023, 9, 28
    )
    assert py.year == 2023


def test_rerunning_the_monthly_checklist_creates_nothing_twice(small_city):
    make_plan(2023)
    first = services.checklist_generate(period=date(2023, 7, 1))
    again = services.checklist_generate(period=date(2023, 7, 1))
    assert first > 0 and again == 0
    assert ChecklistItem.objects.count() == first


def test_excluded_organization_gets_no_items(small_city):
    py = make_plan(2023)
    Task.objects.get(plan_year=py, code="G01").excluded_orgs.add(small_city.a2)
    services.checklist_generate(period=date(2023, 7, 1))
    assert not ChecklistItem.objects.filter(organization=small_city.a2, task__code="G01").exists()
    assert ChecklistItem.objects.filter(organization=small_city.a2, task__code="G02").exists()


def test_generation_for_one_township_only(small_city):
    make_plan(2023)
    services.checklist_generate(period=date(2023, 7, 1), scope=Scope.of(small_city.town_a))
    assert set(ChecklistItem.objects.values_list("organization_id", flat=True)) == {
        small_city.a1.pk,
        small_city.a2.pk,
    }


def test_management_command_generates_the_month(small_city, capsys):
    make_plan(2023)
    call_command("monthly_checklist", "--month", "2023-07")
    call_command("monthly_checklist", "--month", "2023-07")
    out = capsys.readouterr().out
    assert "新生成 9 项" in out and "新生成 0 项" in out
    assert ChecklistItem.objects.filter(period=date(2023, 7, 1)).count() == 9


def test_celery_task_is_idempotent(small_city):
    from pilot.tasks import monthly_checklist

    make_plan(2023)
    assert monthly_checklist.delay("2023-07").get() == 9
    assert monthly_checklist.delay("2023-07").get() == 0


def test_report_submit_sets_status_and_keeps_evidence(pilot_city):
    cun = pilot_city.users["cun"]
    item = _item(pilot_city, pilot_city.a1)
    report = services.report_submit(actor=cun, item=item, state="in_progress", percent=40, narrative="已开展",
                                    files=[check_upload(jpeg_upload())])  # fmt: skip
    item.refresh_from_db()
    assert (
        item.status == ItemStatus.SUBMITTED and item.percent == 40 and item.submitted_at and not item.is_late
    )
    ev = report.evidence.get()
    assert ev.kind == "image" and ev.display and not ev.file.name.endswith("photo.jpg")


def test_double_submit_with_same_key_creates_one_report(pilot_city):
    cun = pilot_city.users["cun"]
    item = _item(pilot_city, pilot_city.a1)
    r1 = services.report_submit(
        actor=cun, item=item, state="done", percent=100, narrative="完成", idempotency_key="k1"
    )
    r2 = services.report_submit(
        actor=cun, item=item, state="done", percent=100, narrative="完成", idempotency_key="k1"
    )
    assert r1.pk == r2.pk
    assert ProgressReport.objects.filter(item=item).count() == 1


def test_late_report_needs_a_delay_reason_and_is_marked_late(pilot_city):
    cun = pilot_city.users["cun"]
    item = _item(pilot_city, pilot_city.a1)
    ChecklistItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    with pytest.raises(ValidationError) as e:
        services.report_submit(actor=cun, item=item, state="done", percent=100, narrative="完成")
    assert "延期原因" in str(e.value)
    services.report_submit(
        actor=cun, item=item, state="done", percent=100, narrative="完成", delay_reason="汛期抢险"
    )
    item.refresh_from_db()
    assert item.is_late and item.delay_reason == "汛期抢险"


def test_return_then_resubmit_then_accept_keeps_history(pilot_city):
    cun, zhen = pilot_city.users["cun"], pilot_city.users["zhen"]
    item = _item(pilot_city, pilot_city.a1)
    services.report_submit(actor=cun, item=item, state="done", percent=100, narrative="第一次")
    with pytest.raises(ValidationError):
        services.report_review(actor=zhen, item=item, decision="return", reason="  ")
    services.report_review(actor=zhen, item=item, decision="return", reason="缺少签到表")
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED and item.return_reason == "缺少签到表"
    assert item in selectors.my_checklist(user=cun, period=pilot_city["period"])
    assert [i.pk for i in selectors.reminders_for(user=cun).returned] == [item.pk]
    services.report_submit(actor=cun, item=item, state="done", percent=100, narrative="第二次，已补签到表")
    services.report_review(actor=zhen, item=item, decision="accept")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED and item.accepted_at
    assert list(item.reports.values_list("narrative", flat=True)) == ["第二次，已补签到表", "第一次"]
    assert Review.objects.filter(item=item).count() == 2
    with pytest.raises(ValidationError):
        services.report_submit(actor=cun, item=item, state="done", percent=100, narrative="再改")


def test_only_the_level_above_reviews_and_only_managers_report(pilot_city):
    cun, cun2, ducha, zhen = (pilot_city.users[k] for k in ("cun", "cun2", "ducha", "zhen"))
    item = _item(pilot_city, pilot_city.a1)
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=cun2, item=item, state="done", percent=100, narrative="x")
    with pytest.raises(PermissionDenied):
        services.report_submit(
            actor=ducha, item=_item(pilot_city, pilot_city.a2), state="done", percent=100, narrative="x"
        )
    services.report_submit(actor=cun, item=item, state="done", percent=100, narrative="完成")
    with pytest.raises(PermissionDenied):
        services.report_review(actor=cun, item=item, decision="accept")
    b1_item = _item(pilot_city, pilot_city.b1)
    services.report_submit(actor=cun2, item=b1_item, state="done", percent=100, narrative="完成")
    with pytest.raises(PermissionDenied):
        services.report_review(actor=zhen, item=b1_item, decision="accept")


def test_overdue_marking_and_reminder_mail_are_sent_once(pilot_city):
    cun = pilot_city.users["cun"]
    cun.email = "cun@example.org"
    cun.save()
    today = timezone.localdate()
    ChecklistItem.objects.filter(organization=pilot_city.a1, task__code="G01").update(
        due_date=today - timedelta(days=1)
    )
    ChecklistItem.objects.filter(organization=pilot_city.a1, task__code="G02").update(
        due_date=today + timedelta(days=2)
    )
    from pilot.tasks import daily_reminders

    result = daily_reminders.delay(today.isoformat()).get()
    assert result["marked_late"] == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["cun@example.org"]
    assert "支部主题党日" in mail.outbox[0].body and "三会一课" in mail.outbox[0].body
    assert mail.outbox[0].subject == "【党建整体推进平台】2 条待办提醒"
    daily_reminders.delay(today.isoformat()).get()
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(channel="email").count() == 2
    r = selectors.reminders_for(user=cun, today=today)
    assert [i.task.code for i in r.overdue] == ["G01"] and [i.task.code for i in r.due_soon] == ["G02"]


def test_completion_by_org_counts_accepted_and_on_time(pilot_city):
    cun, zhen = pilot_city.users["cun"], pilot_city.users["zhen"]
    period = pilot_city["period"]
    item = _item(pilot_city, pilot_city.a1)
    services.report_submit(actor=cun, item=item, state="done", percent=100, narrative="完成")
    services.report_review(actor=zhen, item=item, decision="accept")
    late = _item(pilot_city, pilot_city.a1, "G02")
    ChecklistItem.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    services.report_submit(
        actor=cun, item=late, state="done", percent=100, narrative="完成", delay_reason="雨天"
    )
    c = selectors.completion_by_org(period, period, scope=Scope.of(pilot_city.town_a))
    assert set(c) == {pilot_city.a1.pk, pilot_city.a2.pk}
    a1 = c[pilot_city.a1.pk]
    assert (a1.due, a1.submitted, a1.accepted, a1.on_time, a1.late) == (a1.due, 2, 1, 1, 1)
    assert a1.completion_rate == pytest.approx(1 / a1.due)


def test_goal_attainment_is_computed_from_members(pilot_city):
    py = make_plan(2023)
    AnnualGoal.objects.create(
        plan_year=py, metric=GoalMetric.EID_COVERAGE, name="电子身份认证", target_value=90
    )
    for i, eid in enumerate([True, True, True, False]):
        Member.objects.create(name=f"党员{i}", gender="M", resident_id=make("410102", date(1960, 1, 1), 100 + i * 7, True),
                              birth_date=date(1960, 1, 1),
                              joined_on=date(1980, 1, 1), organization=pilot_city.a1, eid_authenticated=eid)  # fmt: skip
    rows = selectors.goal_attainment(user=pilot_city.users["cun"], plan_year=py)
    assert rows[0].actual == 75 and rows[0].attained is False
    assert selectors.goal_attainment(user=pilot_city.users["cun2"], plan_year=py)[0].actual is None


def test_notice_goes_to_units_below_with_read_tracking(pilot_city):
    zhen, cun = pilot_city.users["zhen"], pilot_city.users["cun"]
    n = services.notice_send(actor=zhen, sender_org=pilot_city.town_a, title="通知", body="请按时报送",
                             recipients=[pilot_city.a1, pilot_city.a2])  # fmt: skip
    with pytest.raises(ValidationError):
        services.notice_send(
            actor=zhen, sender_org=pilot_city.town_a, title="通知", body="x", recipients=[pilot_city.b1]
        )
    assert selectors.reminders_for(user=cun).unread_notices == 1
    assert services.notice_mark_read(actor=cun, notice=n) == 1
    assert services.notice_mark_read(actor=cun, notice=n) == 0
    assert list(
        NoticeRecipient.objects.filter(notice=n, read_at__isnull=True).values_list("organization", flat=True)
    ) == [pilot_city.a2.pk]


def test_activity_attendance_comes_from_the_roster(pilot_city):
    cun = pilot_city.users["cun"]
    mine = [
        Member.objects.create(name=f"党员{i}", gender="M", resident_id=make("410102", date(1970, 1, 1), 300 + i * 7, True),
                              birth_date=date(1970, 1, 1), joined_on=date(1995, 1, 1), organization=pilot_city.a1_branch)
        for i in range(3)
    ]  # fmt: skip
    other = Member.objects.create(name="外村党员", gender="M", resident_id=make("410102", date(1970, 1, 1), 901, True),
                                  birth_date=date(1970, 1, 1), joined_on=date(1995, 1, 1), organization=pilot_city.b1)  # fmt: skip
    act = services.activity_record(actor=cun, organization=pilot_city.a1, kind="theme_day", held_on=date(2023, 7, 1),
                                   topic="重温入党誓词", attendees=mine[:2])  # fmt: skip
    assert (act.expected, act.attended) == (3, 2)
    with pytest.raises(ValidationError):
        services.activity_record(actor=cun, organization=pilot_city.a1, kind="theme_day", held_on=date(2023, 7, 2),
                                 topic="x", attendees=[other])  # fmt: skip
