"""One roster rule set: the same bad value reads the same on the form, from the service and in the
importer's row (members.rules)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from branches.policy import SYSTEM
from members import services
from members.forms import MemberForm
from members.importing import build_plan
from members.rules import normalize_name, normalize_phone
from tests.members.helpers import rid, row, xlsx

# rid(n) is a man born 1980-01-01 (see tests.members.helpers): he turns 18 on 1998-01-01.
BAD = [
    # (form / service field, importer column, bad value as a form/service value, as a cell, message)
    ("joined_on", "入党日期", date(1997, 12, 31), "1997-12-31", "入党日期早于年满18周岁的日期。"),
    ("joined_on", "入党日期", date(2999, 1, 1), "2999-01-01", "入党日期不能晚于今天。"),
    ("phone", "手机号码", "1380000", "1380000", "手机号码应为以 1 开头的 11 位数字。"),
    ("gender", "性别", "F", "女", "性别与公民身份号码第17位不符。"),
    ("full_member_on", "转正日期", date(2005, 1, 1), "2005-01-01", "转正日期不能早于入党日期。"),
    ("ethnicity", "民族", "汉" * 21, "汉" * 21, "民族名称过长。"),
]


def _fields(org, **over):
    d = dict(name="党员1", resident_id=rid(1), gender="M", ethnicity="汉族", phone="", joined_on=date(2005, 7, 1),
             full_member_on=date(2006, 7, 1), organization=org)  # fmt: skip
    d.update(over)
    return d


def _form_data(org, **over):
    d = _fields(org, **over)
    return {k: (v.isoformat() if isinstance(v, date) else v.pk if k == "organization" else "" if v is None else v) for k, v in d.items()} | {
        "education": "", "category": "full"}  # fmt: skip


@pytest.mark.parametrize("field,column,value,cell,message", BAD, ids=[b[0] + ":" + b[4] for b in BAD])
def test_a_bad_value_reads_the_same_in_the_form_the_service_and_the_importer(
    small_city, field, column, value, cell, message
):
    org = small_city.a1_branch
    over, cells = {field: value}, {column: cell}
    if field == "joined_on":  # a probationary member: no full-membership date to fall out of order
        over, cells = over | {"full_member_on": None}, cells | {"转正日期": "", "党员类别": "预备党员"}
    with translation.override("zh-hans"):
        form = MemberForm(_form_data(org, **over), user=small_city.users["shi"])
        assert not form.is_valid()
        assert form.errors[field] == [message]

        with pytest.raises(ValidationError) as e:
            services.member_create(actor=SYSTEM, **_fields(org, **over))
        assert e.value.message_dict[field] == [message]

        plan = build_plan(xlsx([row(1, org.code, **cells)]), "r.xlsx", user=SYSTEM, today=date(2026, 6, 1))
        assert [(e.row, e.column, e.reason) for e in plan.errors] == [(2, column, message)]


def test_birth_date_disagreeing_with_the_id_names_both_dates_in_the_service_and_the_importer(small_city):
    org = small_city.a1_branch
    message = "出生日期 1981-01-01 与公民身份号码中的 1980-01-01 不一致。"
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as e:
            services.member_create(actor=SYSTEM, **_fields(org, birth_date=date(1981, 1, 1)))
        assert e.value.message_dict["birth_date"] == [message]
        plan = build_plan(xlsx([row(1, org.code, 出生日期="1981-01-01")]), "r.xlsx", user=SYSTEM)
        assert [e.reason for e in plan.errors] == [message]


def test_names_and_phones_are_spelled_one_way_by_the_form_the_service_and_the_importer(small_city):
    org = small_city.a1_branch
    assert normalize_name(" 买买提•艾力 ") == "买买提·艾力"
    assert normalize_name("王 小\u3000明") == "王小明"
    assert normalize_name("Li  Ming ") == "Li Ming"
    assert normalize_phone("138 0000-0001") == "13800000001"
    form = MemberForm(_form_data(org, name="王 小明", phone="138 0000-0001"), user=small_city.users["shi"])
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["name"], form.cleaned_data["phone"]) == ("王小明", "13800000001")
    m = services.member_create(actor=SYSTEM, **_fields(org, name="王 小明", phone="138 0000-0001"))
    assert (m.name, m.phone) == ("王小明", "13800000001")
    plan = build_plan(
        xlsx([row(2, org.code, 姓名="王 小明", 手机号码="138 0000-0001")]), "r.xlsx", user=SYSTEM
    )
    assert not plan.errors and plan._new[0][2][0] == "王小明" and plan._new[0][2][5] == "13800000001"


def test_an_empty_name_or_join_date_reads_as_the_importer_says_it_on_the_form(small_city):
    with translation.override("zh-hans"):
        form = MemberForm(
            _form_data(small_city.a1_branch, name="", joined_on=""), user=small_city.users["shi"]
        )
        assert not form.is_valid()
        assert form.errors["name"] == ["姓名不能为空。"]
        assert form.errors["joined_on"] == ["入党日期不能为空。"]
