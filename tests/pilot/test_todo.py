"""The home page is the to-do list of the role (issue 12, item 1): what each role sees, in which
order, one tap from its action, with a fixed number of queries whatever the data size."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessments_services
from assessments.models import FindingStatus
from branches.models import Domain, RoleKind
from branches.services import role_grant
from pilot import services
from pilot.models import ChecklistItem, ItemStatus, MeetingDecision, WeeklyMeeting
from pilot.todo import todo_for
from tests.assessments import helpers as ah
from tests.factories import make_org

from .helpers import setup_checklist


def _item(city, org, code, period=None):
    return ChecklistItem.objects.get(organization=org, task__code=code, period=period or city["period"])


def _return(city, item, reason="照片不清楚"):
    services.report_submit(actor=city.users["cun"], item=item, state="done", percent=100, narrative="完成")
    services.report_review(actor=city.users["zhen"], item=item, decision="return", reason=reason)


@pytest.fixture
def busy(pilot_city):
    """甲一村 (cun) with one item of each kind, a finding, a notice and a meeting decision."""
    c = pilot_city
    today = timezone.localdate()
    last = (c["period"] - timedelta(days=1)).replace(day=1)
    setup_checklist(last)  # the same tasks a month earlier
    # G01 last month: still owed, past its due date → 逾期未报; G01 this month: due in 2 days
    ChecklistItem.objects.filter(pk=_item(c, c.a1, "G01", last).pk).update(due_date=today - timedelta(days=3))
    ChecklistItem.objects.filter(organization=c.a1, period=c["period"]).update(
        due_date=today + timedelta(days=2)
    )
    # G02 last month: reported, then returned with a reason (its due date still ahead)
    g02 = _item(c, c.a1, "G02", last)
    ChecklistItem.objects.filter(pk=g02.pk).update(due_date=today + timedelta(days=20))
    _return(c, g02)
    ChecklistItem.objects.filter(organization=c.a1, period=last).exclude(
        task__code__in=["G01", "G02"]
    ).update(status=ItemStatus.ACCEPTED)
    c.extra["finding"] = ah.finding(c.a1, actor=c.users["shi"], on=today, deadline=today + timedelta(days=9))
    services.notice_send(actor=c.users["zhen"], sender_org=c.town_a, title="月底前报送党日活动", body="请按时报送",
                         recipients=[c.a1])  # fmt: skip
    meeting = WeeklyMeeting.objects.create(organization=c.town_a, held_on=today, topic="例会")
    MeetingDecision.objects.create(meeting=meeting, organization=c.a1, content="完成阵地改造方案", owner="李",
                                   due_date=today + timedelta(days=5))  # fmt: skip
    c.extra["last"] = last
    return c


def test_secretary_sees_each_item_once_with_its_month_most_urgent_first(busy):
    c = busy
    todo = todo_for(user=c.users["cun"])
    kinds = [(e.kind, e.badge, e.title, e.month) for e in todo.entries]
    last, this = f"{c['last'].year}年{c['last'].month}月", f"{c['period'].year}年{c['period'].month}月"
    # overdue first, then returned, then what falls due (by date: items in 2 days, the decision
    # in 5, the finding in 9), the unread notice last
    assert kinds[0] == ("item", "逾期未报", "支部主题党日", last)
    assert kinds[1] == ("item", "已退回", "三会一课", last)
    due = [k for k in kinds if k[1] == "待报送"]
    # this month's four (合格支部自查 is quarterly: due in the quarter's last month, December)
    expected = {("支部主题党日", this), ("三会一课", this), ("村级集体经济", this), ("合格支部自查", this)}
    assert {(k[2], k[3]) for k in due} == (
        expected if c["period"].month % 3 == 0 else expected - {("合格支部自查", this)}
    )
    assert [k[0] for k in kinds[2:]] == ["item"] * len(due) + ["decision", "finding", "notice"]
    # the same task in two months is two entries, each naming its month — never the same line twice
    assert len({(e.kind, e.key) for e in todo.entries}) == len(todo.entries)
    assert todo.entries[1].note.endswith("退回原因：照片不清楚")
    assert todo.counts == {"overdue": 1, "returned": 1, "due": len(due)}


def test_secretary_home_links_each_entry_to_its_action(busy, client):
    c = busy
    client.force_login(c.users["cun"])
    html = client.get(reverse("branches:home")).content.decode()
    g01 = _item(c, c.a1, "G01", c["last"])
    assert f'href="{reverse("pilot:item_detail", args=[g01.pk])}"' in html
    assert f'href="{reverse("assessments:finding_detail", args=[c["finding"].pk])}"' in html
    assert "待整改" in html and "月底前报送党日活动" in html and "完成阵地改造方案" in html
    assert "被退回，请修改后重新报送" not in html


def test_the_inspector_gets_answers_to_verify_not_the_units_checklist(busy, client):
    c = busy
    f = ah.finding(c.a2, actor=c.users["ducha"], on=timezone.localdate(), deadline=timezone.localdate())
    role_grant(actor=None, user=c.users["ducha"], organization=c.a1, kind=RoleKind.INSPECTOR)
    for org in (make_org(c.town_a, name=f"甲镇督查点{i}党支部", domain=Domain.VILLAGE) for i in range(4)):
        role_grant(actor=None, user=c.users["ducha"], organization=org, kind=RoleKind.INSPECTOR)
    assessments_services.finding_answer(actor=c.users["zhen"], finding=f, answer="已补齐记录")
    client.force_login(c.users["ducha"])
    html = client.get(reverse("branches:home")).content.decode()
    assert "待核查" in html and reverse("assessments:finding_detail", args=[f.pk]) in html
    # a1's returned and overdue items are the unit's to do, not the inspector's
    assert "逾期未报" not in html and "已退回" not in html and "被退回" not in html
    assert "月底前报送党日活动" not in html  # nor the unit's notices
    assert html.count("督查组成员") == 1 and "（6 个单位）" in html


def test_whoever_answered_a_finding_does_not_get_it_to_verify(busy):
    c = busy
    f = c["finding"]
    assessments_services.finding_answer(actor=c.users["zhen"], finding=f, answer="已整改")
    assert f.__class__.objects.get(pk=f.pk).status == FindingStatus.ANSWERED
    assert "verify" not in [e.kind for e in todo_for(user=c.users["zhen"]).entries]
    assert [e.key for e in todo_for(user=c.users["shi"]).entries if e.kind == "verify"] == [f.pk]


def test_township_gets_reviews_waiting_and_escalated_findings(busy):
    c = busy
    services.report_submit(actor=c.users["cun"], item=_item(c, c.a1, "G01"), state="done", percent=100,
                           narrative="完成")  # fmt: skip
    services.report_submit(actor=c.users["cun"], item=_item(c, c.a1, "G01", c["last"]), state="done",
                           percent=100, narrative="完成", delay_reason="雨天推迟")  # fmt: skip
    services.report_submit(actor=c.users["cun2"], item=_item(c, c.b1, "G01"), state="done", percent=100,
                           narrative="完成")  # fmt: skip
    old = ah.finding(c.a2, actor=c.users["shi"], on=date(2023, 8, 1), deadline=date(2023, 8, 31))
    assessments_services.escalate_overdue()
    entries = todo_for(user=c.users["zhen"]).entries
    reviews = [(e.title, e.url) for e in entries if e.kind == "review"]
    assert reviews == [("下级报送待审核 2 项", reverse("pilot:review"))]  # b1 is the other township's
    assert entries[0].kind == "escalated" and entries[0].key == old.pk  # overdue since 2023: first
    assert "item" not in [e.kind for e in entries]  # the township reports nothing for its villages


def _count(django_assert_max_num_queries, client, n):
    with django_assert_max_num_queries(n):
        assert client.get(reverse("branches:home")).status_code == 200


def _grow(c):
    for i in range(5):
        make_org(c.town_a, name=f"甲镇新村{i}党支部", domain=Domain.VILLAGE)
    services.checklist_generate(period=c["period"])
    ChecklistItem.objects.filter(organization__name__startswith="甲镇新村").update(
        status=ItemStatus.SUBMITTED
    )
    for _i in range(12):
        ah.finding(c.a1, actor=c.users["shi"], on=timezone.localdate(), deadline=timezone.localdate())
    services.notice_send(actor=c.users["zhen"], sender_org=c.town_a, title="第二份通知", body="正文",
                         recipients=[c.a1, c.a2])  # fmt: skip


@pytest.mark.parametrize("who", ["shi", "zhen", "cun", "cun2", "ducha"])
def test_home_page_makes_a_fixed_number_of_queries_for_each_role(
    busy, client, who, django_assert_max_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = busy
    client.force_login(c.users[who])
    client.get(reverse("branches:home"))
    # Both measured with nothing cached (the home's roll-up counts are cached; the growth below
    # drops them): the worst case is the one that must not grow.
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("branches:home"))
    with CaptureQueriesContext(connection) as warm:
        client.get(reverse("branches:home"))
    assert len(warm.captured_queries) <= len(small.captured_queries)
    _grow(c)
    cache.clear()
    # the same number of queries with five more villages, 30 more items waiting, 12 more findings
    _count(django_assert_max_num_queries, client, len(small.captured_queries))
