"""流动党员: outflow and inflow records, contacts, the three-month reminder, counts."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.policy import SYSTEM
from members import floating
from members.models import MemberStatus
from tests.members.helpers import add_member

pytestmark = pytest.mark.django_db


def _out(city, n=1, started=date(2024, 3, 1)):
    m = add_member(city.a1_branch, n, actor=SYSTEM)
    r = floating.floating_out_start(actor=city.users["cun"], member=m, place="广东省深圳市南山区", work="电子厂技术员",
                                    contact="13800001234", card_no="粤流2024-0012", activity_org_name="中共深圳某园区流动党员党支部",
                                    started_on=started)  # fmt: skip
    return m, r


def test_outflow_sets_the_status_and_keeps_how_to_reach_them(small_city):
    m, r = _out(small_city)
    m.refresh_from_db()
    assert (
        m.status == MemberStatus.FLOATING
        and r.card_no == "粤流2024-0012"
        and r.last_contact_on == date(2024, 3, 1)
    )
    with pytest.raises(ValidationError):
        floating.floating_out_start(actor=small_city.users["cun"], member=m, place="x", contact="1",
                                    started_on=date(2024, 4, 1))  # fmt: skip
    floating.floating_end(actor=small_city.users["cun"], record=r, ended_on=date(2024, 12, 20))
    m.refresh_from_db()
    assert m.status == MemberStatus.NORMAL and r.ended_on == date(2024, 12, 20)


def test_cutoff_is_three_calendar_months():
    # 2026-12-01 − 3 months = 2026-09-01; 2026-05-31 − 3 months = 2026-02-28.
    assert floating.contact_cutoff(date(2026, 12, 1)) == date(2026, 9, 1)
    assert floating.contact_cutoff(date(2026, 5, 31)) == date(2026, 2, 28)


def test_no_contact_for_three_months_is_a_reminder_until_someone_calls(small_city):
    _m, r = _out(small_city, started=date(2026, 5, 20))
    today = date(2026, 9, 1)  # cutoff 2026-06-01: last contact 2026-05-20 is older
    assert [x.pk for x in floating.not_contacted(user=small_city.users["cun"], today=today)] == [r.pk]
    assert floating.not_contacted(user=small_city.users["cun2"], today=today) == []
    floating.floating_contact_add(
        actor=small_city.users["cun"], record=r, contacted_on=date(2026, 6, 1), way="电话"
    )
    # 2026-06-01 is not before the cutoff 2026-06-01: no longer overdue.
    assert floating.not_contacted(user=small_city.users["cun"], today=today) == []
    assert floating.floating_counts(org_paths=[small_city.town_a.path], today=today)[small_city.town_a.path] == {
        "out": 1, "in": 0, "late": 0}  # fmt: skip


def test_inflow_counts_and_home_reminder(client, small_city, django_assert_max_num_queries):
    floating.floating_in_start(actor=small_city.users["cun2"], organization=small_city.b1, name="钱流入", place="安徽省阜阳市",
                               contact="13900000001", started_on=date(2024, 3, 1), origin_org_name="中共阜阳某村支部")  # fmt: skip
    _out(small_city)
    counts = floating.floating_counts(org_paths=[small_city.city.path, small_city.town_b.path])
    assert counts[small_city.city.path] == {"out": 1, "in": 1, "late": 2}
    assert counts[small_city.town_b.path] == {"out": 0, "in": 1, "late": 1}
    client.force_login(small_city.users["cun2"])
    with django_assert_max_num_queries(40):
        html = client.get("/").content.decode()
    assert "超过三个月未联系" in html and "钱流入" in html and "党员1" not in html
    client.force_login(small_city.users["shi"])
    with django_assert_max_num_queries(25):
        resp = client.get(reverse("members:floating_list"), {"org": small_city.city.pk})
    assert resp.status_code == 200 and "钱流入" in resp.content.decode()


def test_a_refused_contact_keeps_what_was_typed(client, small_city):
    _m, r = _out(small_city)
    client.force_login(small_city.users["cun"])
    resp = client.post(reverse("members:floating_contact", args=[r.pk]),
                       {"contacted_on": "2024-02-01", "way": "微信", "notes": "询问近况"})  # fmt: skip
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "不能早于" in html and "询问近况" in html
