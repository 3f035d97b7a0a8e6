"""A small city with one of each thing to be reminded of, set up through the services."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from assessments.services import escalate_overdue, inspection_record
from members import transfers
from pilot import services as pilot
from pilot.models import ChecklistItem
from tests.members.helpers import add_member
from tests.pilot.helpers import setup_checklist


def build_reminders(city, today: date | None = None):
    """Hand count of who must be told what (the secretaries of each unit; a2 has none):

    - 甲一村 (cun): 支部主题党日 due in 2 days, 三会一课 overdue since yesterday, a finding with a
      deadline two days ago (assigned + overdue)                                     → 4
    - 乙一村 (cun2): 支部主题党日 returned by the city; a member transferring in from 甲一村 → 2
    - 甲镇 (zhen): the 甲一村 finding escalated to it; weekly-meeting decisions due yesterday
      (assigned + overdue) and in five days (assigned)                                → 4
    - 甲二村: 支部主题党日 due tomorrow, but nobody acts for it                        → 0
    """
    today = today or timezone.localdate()
    period = setup_checklist()
    ChecklistItem.objects.update(due_date=today + timedelta(days=20), is_late=False)

    def item(org, code):
        return ChecklistItem.objects.get(organization=org, task__code=code, period=period)

    ChecklistItem.objects.filter(pk=item(city.a1, "G01").pk).update(due_date=today + timedelta(days=2))
    ChecklistItem.objects.filter(pk=item(city.a1, "G02").pk).update(due_date=today - timedelta(days=1))
    ChecklistItem.objects.filter(pk=item(city.a2, "G01").pk).update(due_date=today + timedelta(days=1))
    b1 = item(city.b1, "G01")
    pilot.report_submit(
        actor=city.users["cun2"], item=b1, state="done", percent=100, narrative="开展主题党日"
    )
    pilot.report_review(actor=city.users["shi"], item=b1, decision="return", reason="请补充签到表照片")
    inspection_record(
        actor=city.users["shi"], organization=city.a1, visited_on=today - timedelta(days=10),
        findings=[{"problem": "三会一课记录不全", "deadline": today - timedelta(days=2), "owner": "张书记"}],
    )  # fmt: skip
    escalate_overdue(today=today)
    m = add_member(city.a1_branch, 1)
    transfers.transfer_start(actor=city.users["cun"], member=m, kind="within", reason="工作调动",
                             started_on=today, to_org=city.b1)  # fmt: skip
    pilot.meeting_record(
        actor=city.users["zhen"], organization=city.town_a, held_on=today - timedelta(days=7), topic="例会",
        decisions=[("整治村容村貌", "王镇长", today - timedelta(days=1)),
                   ("发展集体经济", "李委员", today + timedelta(days=5))],
    )  # fmt: skip
    return city
