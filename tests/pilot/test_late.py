"""One definition of a late checklist item (逾期): not submitted by its due date."""

from datetime import date, timedelta

from pilot.models import ChecklistItem, ItemStatus
from pilot.selectors import completion_by_org
from pilot.services import checklist_mark_overdue
from tests.assessments import helpers as h


def test_late_is_counted_the_same_before_and_after_the_daily_job(small_city):
    c = small_city
    month = (date.today().replace(day=1) - timedelta(days=40)).replace(day=1)
    h.checklist(c.a2, month=month, accepted=1, total=3, year=month.year)
    returned = ChecklistItem.objects.filter(organization=c.a2, status=ItemStatus.PENDING).first()
    ChecklistItem.objects.filter(pk=returned.pk).update(status=ItemStatus.RETURNED)
    # Due on the 25th of a past month: the accepted one was on time, the pending and the returned
    # ones are late — whether or not the job has flagged them yet.
    before = completion_by_org(month, month)[c.a2.pk]
    assert (before.due, before.accepted, before.on_time, before.late) == (3, 1, 1, 2)
    assert (
        ChecklistItem.objects.late().count() == 2 and not ChecklistItem.objects.filter(is_late=True).exists()
    )
    assert checklist_mark_overdue() == 2  # pending and returned alike
    assert checklist_mark_overdue() == 0
    after = completion_by_org(month, month)[c.a2.pk]
    assert (after.due, after.accepted, after.on_time, after.late) == (3, 1, 1, 2)
    assert all(
        i.late for i in ChecklistItem.objects.filter(status__in=[ItemStatus.PENDING, ItemStatus.RETURNED])
    )
