"""One definition of an overdue rectification item (逾期未整改), used by the job, the list and the counts."""

from datetime import date, timedelta

from assessments import selectors, services
from assessments.models import Finding
from tests.assessments import helpers as h


def test_an_answer_awaiting_verification_is_not_overdue_an_open_item_is(small_city):
    c = small_city
    past = date.today() - timedelta(days=20)
    waiting = h.finding(c.a1, actor=c.users["shi"], on=past, deadline=past + timedelta(days=5))
    services.finding_answer(actor=c.users["cun"], finding=waiting, answer="已补齐记录")
    owed = h.finding(c.a1, actor=c.users["shi"], on=past, deadline=past + timedelta(days=5))
    # deadline 15 days ago: the answered one waits for the inspector, the other is still owed.
    assert list(Finding.objects.overdue()) == [owed]
    assert not Finding.objects.get(pk=waiting.pk).is_overdue() and owed.is_overdue()
    assert services.escalate_overdue() == 1  # only the one still owed goes up a level
    assert (
        Finding.objects.get(pk=owed.pk).escalated_at and not Finding.objects.get(pk=waiting.pk).escalated_at
    )
    assert [f.pk for f in selectors.findings_list(user=c.users["zhen"], status="overdue")] == [owed.pk]
    contact = selectors.contact_units(user=c.users["shi"])
    assert all(r["overdue"] <= 1 for r in contact)
