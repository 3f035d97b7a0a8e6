"""发展党员: the 25 steps and the 细则's rules, with dates worked by hand in the comments."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branches.models import AuditEvent
from members import development as d
from members.models import Category, Member
from members.models_life import Development, DevStage, DevStatus
from tests.members.helpers import add_member, rid

pytestmark = pytest.mark.django_db


def _start(city, n=1, *, applied=date(2024, 1, 31), birth=date(1990, 5, 1), actor=None, **kw):
    return d.development_start(
        actor=actor or city.users["cun"], organization=city.a1_branch, name=f"申请人{n}",
        resident_id=rid(700 + n, birth=birth), applied_on=applied, **kw,
    )  # fmt: skip


def _introducers(city):
    return [add_member(city.a1_branch, 601), add_member(city.a1_branch, 602)]


# Dates of a full, rule-abiding path (steps 1–25). Hand-worked limits:
#  step 2 within one month of 2024-01-31 → by 2024-02-29 (2024 is a leap year)
#  step 7 at least one year after step 3 (2024-03-10) → from 2025-03-10
#  step 17 within three months of step 15 (2025-06-30) → by 2025-09-30
#  step 23 at least one year after step 15 (2025-06-30) → from 2026-06-30
#  step 24 within three months of step 23 (2026-07-01) → by 2026-10-01
PATH = {
    1: date(2024, 1, 31), 2: date(2024, 2, 20), 3: date(2024, 3, 10), 4: date(2024, 3, 15),
    5: date(2024, 3, 15), 6: date(2024, 9, 1), 7: date(2025, 3, 10), 8: date(2025, 3, 15),
    9: date(2025, 3, 20), 10: date(2025, 4, 1), 11: date(2025, 4, 10), 12: date(2025, 5, 10),
    13: date(2025, 5, 20), 14: date(2025, 6, 1), 15: date(2025, 6, 30), 16: date(2025, 7, 10),
    17: date(2025, 9, 30), 18: date(2025, 10, 10), 19: date(2025, 10, 12), 20: date(2025, 10, 20),
    21: date(2026, 3, 1), 22: date(2026, 6, 1), 23: date(2026, 7, 1), 24: date(2026, 10, 1),
    25: date(2026, 10, 10),
}  # fmt: skip


def _walk(city, dev, until, people=None, **dates):
    people = people or {}
    for n in range(dev.current_step + 1, until + 1):
        actor = city.users["zhen"] if d.STEP[n].above else city.users["cun"]
        on = dates.get(f"s{n}", PATH[n])
        d.development_step(actor=actor, development=dev, number=n, done_on=on, people=people.get(n, []))
    return dev


def _reason(exc) -> str:
    return " ".join(exc.value.messages)


def test_the_steps_are_the_25_of_the_rules_in_five_stages():
    assert len(d.STEPS) == 25 and [s.number for s in d.STEPS] == list(range(1, 26))
    assert [sum(1 for s in d.STEPS if s.stage == n) for n in range(1, 6)] == [2, 4, 5, 7, 7]
    assert {s.number for s in d.STEPS if s.above} == {4, 8, 13, 16, 17, 18, 24}


def test_add_period_is_calendar_arithmetic():
    assert d.add_period(date(2024, 1, 31), months=1) == date(2024, 2, 29)
    assert d.add_period(date(2023, 1, 31), months=1) == date(2023, 2, 28)
    assert d.add_period(date(2025, 6, 30), months=3) == date(2025, 9, 30)
    assert d.add_period(date(2024, 2, 29), years=1) == date(2025, 2, 28)
    assert d.add_period(date(2024, 11, 15), months=3) == date(2025, 2, 15)


def test_application_before_the_18th_birthday_is_refused(small_city):
    # Born 2008-03-02: eighteen on 2026-03-02; an application dated 2026-03-01 is a day early.
    with pytest.raises(ValidationError) as e:
        _start(small_city, birth=date(2008, 3, 2), applied=date(2026, 3, 1))
    assert "年满十八岁" in _reason(e) and "2026-03-02" in _reason(e)
    dev = _start(small_city, birth=date(2008, 3, 2), applied=date(2026, 3, 2))
    assert dev.stage == DevStage.APPLICANT and dev.current_step == 1


def test_application_validates_the_resident_id(small_city):
    bad = rid(9)[:-1] + ("0" if rid(9)[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        d.development_start(actor=small_city.users["cun"], organization=small_city.a1_branch, name="甲",
                            resident_id=bad, applied_on=date(2024, 1, 2))  # fmt: skip
    assert not Development.objects.exists()


def test_talk_later_than_one_month_after_the_application_is_refused(small_city):
    dev = _start(small_city)  # applied 2024-01-31 → talk by 2024-02-29
    assert dev.due_step == 2 and dev.due_on == date(2024, 2, 29)
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 2, s2=date(2024, 3, 1))
    assert "一个月内" in _reason(e) and "2024-02-29" in _reason(e)
    _walk(small_city, dev, 2, s2=date(2024, 2, 29))
    assert dev.current_step == 2


def test_candidate_needs_a_year_as_activist(small_city):
    dev = _walk(small_city, _start(small_city), 6, people={5: [add_member(small_city.a1_branch, 610)]})
    assert dev.stage == DevStage.ACTIVIST
    # Activist since 2024-03-10: a candidate no earlier than 2025-03-10.
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 7, s7=date(2025, 3, 9))
    assert "一年以上" in _reason(e) and "2025-03-10" in _reason(e)
    _walk(small_city, dev, 7, s7=date(2025, 3, 10))
    assert dev.stage == DevStage.CANDIDATE


def test_introducers_are_two_full_members(small_city):
    contact = add_member(small_city.a1_branch, 610)
    dev = _walk(small_city, _start(small_city), 8, people={5: [contact]})
    prob = add_member(small_city.a1_branch, 611, category=Category.PROBATIONARY, full_member_on=None)
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 9, people={9: [contact]})
    assert "两名正式党员" in _reason(e)
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 9, people={9: [contact, prob]})
    assert "不是在册正式党员" in _reason(e)
    _walk(small_city, dev, 9, people={9: _introducers(small_city)})
    assert dev.current_step == 9


def test_approval_later_than_three_months_after_the_branch_meeting_is_refused(small_city):
    dev = _walk(small_city, _start(small_city), 16, people={5: [add_member(small_city.a1_branch, 610)],
                                                            9: _introducers(small_city)})  # fmt: skip
    # Branch meeting 2025-06-30 → approval by 2025-09-30.
    assert dev.due_step == 17 and dev.due_on == date(2025, 9, 30)
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 17, s17=date(2025, 10, 1))
    assert "三个月内审批" in _reason(e) and "2025-09-30" in _reason(e)
    assert not Member.objects.filter(name="申请人1").exists()


def test_admission_makes_a_probationary_member_without_retyping_and_full_after_a_year(small_city):
    dev = _start(small_city, phone="13900001111", education="bachelor", ethnicity="回族")
    _walk(
        small_city, dev, 17, people={5: [add_member(small_city.a1_branch, 610)], 9: _introducers(small_city)}
    )
    m = Member.objects.get(pk=dev.member_id)
    # 入党日期 is the day of the branch meeting (step 15), the probationary period counts from it.
    assert (m.name, m.resident_id, m.phone, m.education, m.ethnicity) == (
        "申请人1", rid(701, birth=date(1990, 5, 1)), "13900001111", "bachelor", "回族")  # fmt: skip
    assert m.category == Category.PROBATIONARY and m.joined_on == date(2025, 6, 30)
    assert m.organization == small_city.a1_branch and dev.stage == DevStage.PROBATIONARY
    assert AuditEvent.objects.filter(action="member.create", object_id=str(m.pk)).exists()
    _walk(small_city, dev, 22)
    # Probation from 2025-06-30: the branch may discuss 转正 from 2026-06-30, not on 2026-06-29.
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 23, s23=date(2026, 6, 29))
    assert "预备期为一年" in _reason(e) and "2026-06-30" in _reason(e)
    _walk(small_city, dev, 25)
    m.refresh_from_db()
    assert m.category == Category.FULL and m.full_member_on == date(2026, 6, 30)
    assert dev.status == DevStatus.DONE and dev.stage == DevStage.FULL and dev.due_on is None


def test_full_approval_more_than_three_months_after_the_meeting_is_refused(small_city):
    dev = _walk(small_city, _start(small_city), 23, people={5: [add_member(small_city.a1_branch, 610)],
                                                            9: _introducers(small_city)})  # fmt: skip
    # 转正 meeting 2026-07-01 → approval by 2026-10-01.
    with pytest.raises(ValidationError) as e:
        _walk(small_city, dev, 24, s24=date(2026, 10, 2))
    assert "2026-10-01" in _reason(e)


def test_steps_go_in_order_and_dates_do_not_go_back(small_city):
    dev = _start(small_city)
    with pytest.raises(ValidationError) as e:
        d.development_step(actor=small_city.users["cun"], development=dev, number=3, done_on=date(2024, 2, 1))
    assert "第 2 步" in _reason(e)
    with pytest.raises(ValidationError):
        d.development_step(
            actor=small_city.users["cun"], development=dev, number=2, done_on=date(2024, 1, 30)
        )


def test_the_level_above_records_its_own_steps_only(small_city):
    dev = _walk(small_city, _start(small_city), 3)
    with pytest.raises(PermissionDenied):
        d.development_step(
            actor=small_city.users["cun"], development=dev, number=4, done_on=date(2024, 3, 15)
        )
    d.development_step(actor=small_city.users["zhen"], development=dev, number=4, done_on=date(2024, 3, 15))
    assert dev.current_step == 4


def test_unit_secretary_gets_403_posting_the_level_above_step(client, small_city):
    dev = _walk(small_city, _start(small_city), 3)
    url = reverse("members:development_step", args=[dev.pk])
    client.force_login(small_city.users["cun"])
    assert client.post(url, {"number": 4, "done_on": "2024-03-15"}).status_code == 403
    client.force_login(small_city.users["zhen"])
    assert client.post(url, {"number": 4, "done_on": "2024-03-15"}).status_code == 302
    client.force_login(small_city.users["cun2"])
    assert client.get(reverse("members:development_detail", args=[dev.pk])).status_code == 404


def test_a_refused_step_keeps_what_was_typed(client, small_city):
    dev = _start(small_city)
    client.force_login(small_city.users["cun"])
    resp = client.post(reverse("members:development_step", args=[dev.pk]),
                       {"number": 2, "done_on": "2024-03-01", "record": "支部书记王某谈话"})  # fmt: skip
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "一个月内" in html and "支部书记王某谈话" in html and 'value="2024-03-01"' in html


def test_due_and_overdue_show_on_both_homes_with_fixed_queries(
    client, small_city, django_assert_max_num_queries
):
    for n in range(3):
        _start(small_city, n + 1, applied=date(2024, 1, 10 + n))  # talks overdue since February 2024
    for who in ("cun", "zhen"):
        client.force_login(small_city.users[who])
        with django_assert_max_num_queries(40):
            html = client.get("/").content.decode()
        assert "待办事项" in html and "申请人3" in html and "已逾期" in html
    client.force_login(small_city.users["cun2"])
    assert "申请人3" not in client.get("/").content.decode()


def test_stage_counts_drill_down_to_people(client, small_city, django_assert_max_num_queries):
    _walk(small_city, _start(small_city, 1), 3)
    _start(small_city, 2)
    client.force_login(small_city.users["zhen"])
    with django_assert_max_num_queries(20):
        resp = client.get(reverse("members:development_list"), {"org": small_city.town_a.pk})
    assert resp.status_code == 200
    counts = d.stage_counts(org_paths=[small_city.town_a.path, small_city.a2.path])
    assert counts[small_city.town_a.path][DevStage.ACTIVIST] == 1
    assert counts[small_city.town_a.path][DevStage.APPLICANT] == 1
    assert counts[small_city.a2.path][DevStage.APPLICANT] == 0
    html = client.get(
        reverse("members:development_list"), {"org": small_city.a1.pk, "stage": "activist"}
    ).content
    people = html.decode().split('id="dev-people"')[1]
    assert "申请人1" in people and "申请人2" not in people


# 延长预备期 / 取消预备党员资格 (细则第三十二条: "需要继续考察和教育的，可以延长一次预备期，延长时间不能少于
# 半年，最长不超过一年；不履行党员义务、不具备党员条件的，应当取消其预备党员资格"; both by the branch
# meeting and the approval of the Party committee above). Hand-worked dates on PATH:
#  probation from step 15, 2025-06-30 → ends 2026-06-30: an extension is discussed from that day;
#  extended 6 months → the 转正 discussion (step 23) from 2026-12-30, 党龄 from 2026-12-30.
def _probationary(city, until=22):
    return _walk(
        city, _start(city), until, people={5: [add_member(city.a1_branch, 610)], 9: _introducers(city)}
    )


@pytest.fixture
def in_2027(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 3, 1))


def test_at_the_end_of_probation_the_line_offers_full_membership_extension_or_cancellation(small_city):
    assert d.next_numbers(22, set(range(1, 23))) == [23, 26, 28]
    assert d.next_numbers(26, set(range(1, 23)) | {26}) == [27]
    assert d.next_numbers(16, set(range(1, 17))) == [17]  # not before admission


def test_probation_extended_once_by_six_to_twelve_months_with_approval_above(small_city, in_2027):
    dev = _probationary(small_city)
    cun, zhen = small_city.users["cun"], small_city.users["zhen"]
    with pytest.raises(ValidationError) as e:  # the probation is not over yet
        d.development_step(actor=cun, development=dev, number=26, done_on=date(2026, 6, 29), months=6)
    assert "2026-06-30" in _reason(e)
    for months in (None, 5, 13):
        with pytest.raises(ValidationError) as e:
            d.development_step(actor=cun, development=dev, number=26, done_on=date(2026, 7, 1), months=months)
        assert "不能少于半年" in _reason(e)
    d.development_step(actor=cun, development=dev, number=26, done_on=date(2026, 7, 1), months=6)
    with pytest.raises(PermissionDenied):  # the approval is the level above's
        d.development_step(actor=cun, development=dev, number=27, done_on=date(2026, 7, 15))
    with pytest.raises(ValidationError):  # nothing else until it is approved
        d.development_step(actor=cun, development=dev, number=23, done_on=date(2026, 7, 15))
    d.development_step(actor=zhen, development=dev, number=27, done_on=date(2026, 7, 15))
    dev.refresh_from_db()
    # back on the line after step 22; the 转正 discussion is due from 2025-06-30 + 1 year + 6 months
    assert (dev.current_step, dev.due_step, dev.due_on) == (22, 23, date(2026, 12, 30))
    with pytest.raises(ValidationError) as e:
        d.development_step(actor=cun, development=dev, number=26, done_on=date(2026, 12, 30), months=6)
    assert "只能延长一次" in _reason(e)
    with pytest.raises(ValidationError) as e:
        d.development_step(actor=cun, development=dev, number=23, done_on=date(2026, 12, 29))
    assert "2026-12-30" in _reason(e)
    _walk(small_city, dev, 25, s23=date(2027, 1, 5), s24=date(2027, 2, 1), s25=date(2027, 2, 10))
    m = Member.objects.get(pk=dev.member_id)
    assert m.category == Category.FULL and m.full_member_on == date(2026, 12, 30)
    ev = AuditEvent.objects.filter(action="development.step", object_id=str(dev.pk)).values_list(
        "changes", flat=True
    )
    assert any(c.get("延长时间") == [None, "6 个月"] for c in ev)


def test_probationary_membership_cancelled_with_approval_leaves_the_roster(small_city):
    from members.models import MemberStatus

    dev = _probationary(small_city, until=21)
    d.development_step(actor=small_city.users["cun"], development=dev, number=28, done_on=date(2026, 3, 5))
    m = Member.objects.get(pk=dev.member_id)
    assert m.status == MemberStatus.NORMAL  # until approved: still a member, attending and paying dues
    d.development_step(actor=small_city.users["zhen"], development=dev, number=29, done_on=date(2026, 3, 20))
    dev.refresh_from_db()
    m.refresh_from_db()
    assert dev.status == DevStatus.CANCELLED and dev.due_on is None and m.status == MemberStatus.LEFT
    assert m.status_changed_on == date(2026, 3, 20)
    with pytest.raises(ValidationError):
        d.development_step(
            actor=small_city.users["cun"], development=dev, number=22, done_on=date(2026, 6, 1)
        )


def test_extension_through_the_page(client, small_city):
    dev = _probationary(small_city)
    client.force_login(small_city.users["cun"])
    url = reverse("members:development_detail", args=[dev.pk])
    html = client.get(url).content.decode()
    assert "支部大会讨论延长预备期" in html and "支部大会讨论取消预备党员资格" in html
    step = reverse("members:development_step", args=[dev.pk])
    resp = client.post(step, {"number": 26, "done_on": "2026-07-01", "months": "14"})
    assert resp.status_code == 200 and "不能少于半年" in resp.content.decode()
    assert client.post(step, {"number": 26, "done_on": "2026-07-01", "months": "12"}).status_code == 302
    assert client.post(step, {"number": 27, "done_on": "2026-07-02"}).status_code == 403
    html = client.get(url).content.decode()
    assert "延长 12 个月" in html
