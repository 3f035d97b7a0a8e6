"""党费: the 2008 rate rule (known answers), payments one by one, for a branch, from a bank statement;
the unpaid list and the totals."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEvent
from branches.policy import SYSTEM
from members import dues_importing, dues_selectors, dues_services, services
from members.dues import DuesImport, DuesPayment, PayerKind
from tests.members.helpers import add_member, rid, xlsx

TODAY = date(2025, 6, 15)
HEAD = ["姓名", "公民身份号码", "金额", "交易日期", "党费月份", "交易流水号"]


@pytest.fixture
def today(monkeypatch):
    """Pages and services take "today" from ``timezone.localdate``: pin it to 15 June 2025."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def amount(kind, base=None, fixed=None):
    return dues_services.dues_amount(kind=kind, base=base, fixed_amount=fixed)


# 中组部《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号):
# 第二条 "每月工资收入（税后）在3000元以下（含3000元）者，交纳月工资收入的0.5%；3000元以上至5000元
# （含5000元）者，交纳1%；5000元以上至10000元（含10000元）者，交纳1.5%；10000元以上者，交纳2%。"
# 第五条 离退休 "5000元以下（含5000元）的按0.5%交纳党费，5000元以上的按1%交纳党费。"
# 第六条 "农民党员每月交纳党费0.2元-1元。学生党员、下岗失业的党员、依靠抚恤或救济生活的党员、
# 领取当地最低生活保障金的党员，每月交纳党费0.2元。"
@pytest.mark.parametrize(
    "kind, base, expected",
    [
        (PayerKind.SALARIED, "3000", "15.00"),  # 3000 is in the 0.5 % band (含3000元): 3000 × 0.5 % = 15
        (PayerKind.SALARIED, "3000.01", "30.00"),  # above 3000 → 1 %: 30.0001 → 30.00
        (PayerKind.SALARIED, "5000", "50.00"),  # 5000 still 1 % (含5000元): 50
        (PayerKind.SALARIED, "8000", "120.00"),  # 1.5 %: 8000 × 0.015 = 120
        (PayerKind.SALARIED, "10000", "150.00"),  # 10000 still 1.5 % (含10000元): 150
        (PayerKind.SALARIED, "12000", "240.00"),  # 2 %: 12000 × 0.02 = 240
        (PayerKind.SALARIED, "2345.67", "11.73"),  # 2345.67 × 0.005 = 11.72835 → 11.73 (half up)
        (PayerKind.RETIRED, "5000", "25.00"),  # retiree, 含5000元 → 0.5 %: 25
        (PayerKind.RETIRED, "6000", "60.00"),  # retiree above 5000 → 1 %: 60
    ],
)
def test_dues_rate_rule_2008_known_answers(db, kind, base, expected):
    assert amount(kind, Decimal(base)) == Decimal(expected)


def test_dues_fixed_amounts_for_farmers_students_unemployed(db):
    assert amount(PayerKind.FARMER) == Decimal("0.20")  # the minimum when none is chosen
    assert amount(PayerKind.FARMER, fixed="1") == Decimal("1.00")
    assert (
        amount(PayerKind.STUDENT)
        == amount(PayerKind.UNEMPLOYED)
        == amount(PayerKind.RELIEF)
        == Decimal("0.20")
    )
    with pytest.raises(ValidationError, match="0.20 至 1.00"):
        amount(PayerKind.FARMER, fixed="1.5")
    with pytest.raises(ValidationError):
        amount(PayerKind.STUDENT, fixed="0.5")


def test_dues_rule_is_data_a_newer_rule_takes_over(db):
    old = dues_services.dues_rule_current(on=date(2025, 1, 1))
    new = type(old).objects.create(name="新规定", effective_from=date(2030, 1, 1))
    for b in old.bands.all():
        b.pk, b.rule = None, new
        if b.kind == PayerKind.SALARIED and b.upper == 3000:
            b.percent = Decimal(1)
        b.save()
    assert dues_services.dues_rule_current(on=date(2029, 12, 31)).pk == old.pk
    rule = dues_services.dues_rule_current(on=date(2030, 1, 1))
    assert dues_services.dues_amount(kind=PayerKind.SALARIED, base=3000, rule=rule) == Decimal("30.00")


def test_profile_and_single_payment_audited_once_per_month(small_city, today):
    m = add_member(small_city.a1_branch, 1)
    p = dues_services.dues_profile_set(actor=SYSTEM, member=m, kind=PayerKind.SALARIED, base=Decimal("8000"))
    assert p.monthly == Decimal("120.00")
    pay = dues_services.dues_payment_record(actor=SYSTEM, member=m, month=date(2025, 5, 1), amount="120",
                                            paid_on=date(2025, 5, 20))  # fmt: skip
    assert pay.on_time and pay.due == Decimal("120.00") and pay.organization_id == small_city.a1_branch.pk
    with pytest.raises(ValidationError, match="已登记"):
        dues_services.dues_payment_record(actor=SYSTEM, member=m, month=date(2025, 5, 1), amount="120",
                                          paid_on=date(2025, 5, 21))  # fmt: skip
    late = dues_services.dues_payment_record(actor=SYSTEM, member=m, month=date(2025, 3, 1), amount="120",
                                             paid_on=date(2025, 6, 1))  # fmt: skip
    assert not late.on_time  # 补交: paid after the month
    with pytest.raises(ValidationError, match="以后月份"):
        dues_services.dues_payment_record(
            actor=SYSTEM, member=m, month=date(2025, 7, 1), amount="1", paid_on=TODAY
        )
    with pytest.raises(ValidationError, match="入党的月份"):
        dues_services.dues_payment_record(
            actor=SYSTEM, member=m, month=date(2005, 6, 1), amount="1", paid_on=TODAY
        )
    assert AuditEvent.objects.filter(action="member.dues_payment").count() == 2
    assert AuditEvent.objects.filter(action="member.dues_profile").count() == 1


def test_branch_grid_records_a_month_for_everyone_ticked_in_one_submit(small_city, today, client,
                                                                      django_assert_max_num_queries):  # fmt: skip
    ms = [add_member(small_city.a1_branch, i) for i in (1, 2, 3)]
    dues_services.dues_profile_set(actor=SYSTEM, member=ms[0], kind=PayerKind.SALARIED, base=3000)
    dues_services.dues_profile_set(actor=SYSTEM, member=ms[1], kind=PayerKind.RETIRED, base=6000)
    client.force_login(small_city.users["cun"])
    url = reverse("members:dues_branch", args=[small_city.a1_branch.pk]) + "?month=2025-06"
    with django_assert_max_num_queries(14):
        html = client.get(url).content.decode()
    assert 'value="15.00"' in html and 'value="60.00"' in html and "未核定" in html  # prefilled base × rate
    data = {"month": "2025-06", "paid_on": "2025-06-10", "pay": [m.pk for m in ms],
            f"amount-{ms[0].pk}": "15.00", f"amount-{ms[1].pk}": "60.00", f"amount-{ms[2].pk}": "abc"}  # fmt: skip
    resp = client.post(url, data)
    assert (
        resp.status_code == 400
        and "金额应为数字" in resp.content.decode()
        and 'value="abc"' in resp.content.decode()
    )
    assert DuesPayment.objects.count() == 0  # all or nothing
    data[f"amount-{ms[2].pk}"] = "0.5"
    assert client.post(url, data).status_code == 302
    assert DuesPayment.objects.filter(month=date(2025, 6, 1)).count() == 3
    html = client.get(url).content.decode()
    assert html.count("已交") >= 3 and 'name="pay"' not in html
    # the township secretary may record, the inspector only sees (403 on post)
    client.force_login(small_city.users["ducha"])
    assert client.post(reverse("members:dues_branch", args=[small_city.a2.pk]), data).status_code == 403


def test_unpaid_list_per_month_and_scope_with_fixed_queries(
    small_city, today, client, django_assert_max_num_queries
):
    a = add_member(small_city.a1_branch, 1)
    b = add_member(small_city.a1_branch, 2, name="未交甲")
    add_member(small_city.a2, 3, name="未交乙")
    add_member(small_city.b1, 4, name="别镇的")
    add_member(
        small_city.a2,
        5,
        name="六月才入党",
        joined_on=date(2025, 6, 1),
        full_member_on=None,
        category="probationary",
    )
    dues_services.dues_payment_record(
        actor=SYSTEM, member=a, month=date(2025, 5, 1), amount="15", paid_on=TODAY
    )
    c = dues_selectors.month_counts(org_path=small_city.town_a.path, month=date(2025, 5, 1))
    assert (c.due, c.paid, c.unpaid, c.amount) == (3, 1, 2, Decimal("15.00"))
    # the whole city (counted from the indexes alone) agrees: 别镇的 is due too; a member who paid
    # and then left the roster counts neither as due nor as paid
    gone = add_member(small_city.b1, 6, name="已转出")
    dues_services.dues_payment_record(
        actor=SYSTEM, member=gone, month=date(2025, 5, 1), amount="9", paid_on=TODAY
    )
    services.member_transfer_out(actor=SYSTEM, member=gone, status="left")
    c = dues_selectors.month_counts(org_path=small_city.city.path, month=date(2025, 5, 1))
    assert (c.due, c.paid, c.unpaid, c.amount) == (4, 1, 3, Decimal("15.00"))
    names = [
        m.name for m in dues_selectors.unpaid_members(org_path=small_city.town_a.path, month=date(2025, 5, 1))
    ]
    assert names == ["未交甲", "未交乙"]
    # the whole city (on SQLite read in roster order without the status index): 别镇的 too; not
    # 党员1 who paid, not 六月才入党 (joined after May), not 已转出 (left the roster)
    city = dues_selectors.unpaid_members(org_path=small_city.city.path, month=date(2025, 5, 1))
    assert [m.name for m in city] == ["未交甲", "未交乙", "别镇的"]
    client.force_login(small_city.users["zhen"])
    url = reverse("members:dues_unpaid")
    with django_assert_max_num_queries(16) as ctx:  # 16: the menu's unread count and the month picker
        html = client.get(url, {"month": "2025-05"}).content.decode()
    assert "未交甲" in html and "未交乙" in html and "别镇的" not in html and "六月才入党" not in html
    first = len(ctx.captured_queries)
    for i in range(10, 40):
        add_member(small_city.a2, i)
    with django_assert_max_num_queries(first):
        client.get(url, {"month": "2025-05"})
    assert b.pk
    client.force_login(small_city.users["cun2"])
    assert client.get(url, {"org": small_city.a1.pk}).status_code == 404


def test_totals_per_organization_and_year(small_city, today):
    a = add_member(small_city.a1_branch, 1)
    b = add_member(small_city.b1, 2)
    dues_services.dues_payment_record(
        actor=SYSTEM, member=a, month=date(2025, 1, 1), amount="15", paid_on=date(2025, 1, 9)
    )
    dues_services.dues_payment_record(
        actor=SYSTEM, member=a, month=date(2025, 2, 1), amount="15", paid_on=date(2025, 4, 9)
    )
    dues_services.dues_payment_record(
        actor=SYSTEM, member=b, month=date(2025, 2, 1), amount="0.2", paid_on=date(2025, 2, 9)
    )
    dues_services.dues_payment_record(
        actor=SYSTEM, member=b, month=date(2024, 12, 1), amount="9", paid_on=date(2025, 1, 2)
    )
    t = dues_selectors.dues_totals(
        org_paths=[small_city.city.path, small_city.town_a.path, small_city.b1.path], year=2025
    )
    assert (t[small_city.city.path].payments, t[small_city.city.path].amount) == (3, Decimal("30.20"))
    assert (t[small_city.town_a.path].payments, t[small_city.town_a.path].on_time) == (2, 1)
    assert t[small_city.b1.path].amount == Decimal("0.20")
    # on-time share for the pioneer index: a joined 2005, Jan–Jun 2025 due (6), one on time
    assert dues_selectors.on_time_rates(member_ids=[a.pk], year=2025, today=TODAY) == {a.pk: (1, 6)}


def _statement(rows, head=HEAD, title=True):
    lines = ([["中国建设银行 单位账户交易明细"], ["账号：1234 5678"]] if title else []) + [head] + rows
    return xlsx(lines[1:], headers=lines[0])


def test_bank_statement_import_is_all_or_nothing_naming_each_bad_row(small_city, today):
    code = small_city.a1_branch
    a = add_member(code, 1, name="张三")
    add_member(code, 2, name="李四")
    add_member(small_city.b1, 3, name="王五")
    user = small_city.users["cun"]
    rows = [
        ["张三", rid(1), "15.00", "2025-05-10", "2025-05", "T1"],  # row 4 ok
        ["李四", rid(2), "abc", "2025-05-10", "", "T2"],  # row 5 bad amount
        ["张三", rid(1), "15", "2025/5/11", "2025年5月", "T3"],  # row 6 duplicate of row 4
        ["王五", rid(3), "15", "2025-05-10", "", "T4"],  # row 7 other township: out of scope
        ["李四四", rid(2), "15", "2025-05-10", "2025-04", "T5"],  # row 8 name disagrees
        [
            "李四",
            rid(2)[:-1] + ("1" if rid(2)[-1] != "1" else "2"),
            "15",
            "2025-05-10",
            "",
            "T6",
        ],  # row 9 check char
        ["李四", rid(2), "15", "2025-07-10", "2025-03", "T7"],  # row 10 paid in the future
        ["李四", 4.10102198001011e17, "15", "2025-05-10", "", "T8"],  # row 11 Excel number
    ]
    plan = dues_importing.build_plan(_statement(rows), "流水.xlsx", user=user, today=TODAY)
    got = {(e.row, e.column) for e in plan.errors}
    assert got == {(5, "金额"), (6, "公民身份号码"), (7, "公民身份号码"), (8, "姓名"), (9, "公民身份号码"),
                   (10, "交易日期"), (11, "公民身份号码")}  # fmt: skip
    reasons = {(e.row, e.column): e.reason for e in plan.errors}
    assert "第4行" in reasons[(6, "公民身份号码")] and "不在您的管理范围内" in reasons[(7, "公民身份号码")]
    assert "花名册中的姓名“李四”" in reasons[(8, "姓名")]
    assert not plan.new and DuesPayment.objects.count() == 0
    good = [
        ["张三", rid(1), "¥15.00", "2025-05-10", "2025-05", "T1"],
        ["李四", rid(2), "1,200", "2025-04-30", "", "T2"],
    ]
    plan = dues_importing.build_plan(_statement(good), "流水.xlsx", user=user, today=TODAY)
    assert plan.ok and plan.counts == {"new": 2, "unchanged": 0, "amount": Decimal("1215.00")}
    batch = dues_services.dues_import_apply(plan, actor=user, filename="流水.xlsx")
    assert DuesPayment.objects.get(member=a).month == date(2025, 5, 1)
    assert DuesPayment.objects.get(month=date(2025, 4, 1)).reference == "T2"  # month from the date
    assert isinstance(batch, DuesImport) and batch.rows == 2
    assert AuditEvent.objects.filter(action="member.dues_import").count() == 1
    # the same statement again changes nothing; a different amount for a recorded month is refused
    again = dues_importing.build_plan(_statement(good), "流水.xlsx", user=user, today=TODAY)
    assert again.ok and again.counts["new"] == 0 and again.unchanged == 2
    good[0][2] = "16"
    clash = dues_importing.build_plan(_statement(good), "流水.xlsx", user=user, today=TODAY)
    assert [(e.row, e.column) for e in clash.errors] == [(4, "党费月份")] and "已登记" in clash.errors[
        0
    ].reason


def test_bank_statement_import_through_the_pages(small_city, today, client):
    add_member(small_city.a1_branch, 1, name="张三")
    client.force_login(small_city.users["cun"])
    f = _statement([["张三", rid(1), "15", "2025-06-01", "", "T1"]])
    f.name = "流水.xlsx"
    resp = client.post(reverse("members:dues_import"), {"file": f})
    assert resp.status_code == 200 and "待登记" in resp.content.decode()
    token = resp.context["token"]
    assert client.post(reverse("members:dues_import_confirm"), {"token": token}).status_code == 302
    assert DuesPayment.objects.count() == 1
    tpl = client.get(reverse("members:dues_import_template"))
    assert tpl.status_code == 200 and tpl["Content-Type"].startswith("application/vnd.openxml")
