"""GB 11643-1999 resident IDs against answers from outside the project.

The expected values come from the standard and from published numbers, never from
``resident_id.make`` (the demo city's generator): a test built from our own generator only proves
the code agrees with itself, and that is how python-stdnum 2.2's change got through.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from members import resident_id
from members.models import Member


@pytest.fixture(autouse=True)
def _chinese():
    # The reasons are asserted in Chinese whatever language an earlier test left active.
    with translation.override("zh-hans"):
        yield


# (number, birth date, gender) — each from a source outside this project.
PUBLISHED_VALID = [
    # GB 11643-1999 §8.2, the standard's worked example (北京市朝阳区, 1949-12-31, female).
    ("11010519491231002X", date(1949, 12, 31), "F"),
    # The example number on the Chinese Wikipedia page 中华人民共和国公民身份号码.
    ("34052419800101001X", date(1980, 1, 1), "M"),
    # Real numbers that the stdnum-2.2 bug refused (issue "Results the department can sign").
    ("65010219860303269X", date(1986, 3, 3), "M"),
    ("410105199011303221", date(1990, 11, 30), "F"),
]


def test_weights_are_the_standards_table():
    # GB 11643-1999 table 1: W_i for positions 1..17 from the left.
    assert resident_id._WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_worked_example_step_by_step():
    # §8.2: Σ a_i·W_i for 11010519491231002 is 167; 167 mod 11 = 2; the check for 2 is X.
    body = "11010519491231002"
    assert sum(int(d) * w for d, w in zip(body, resident_id._WEIGHTS, strict=True)) == 167
    assert resident_id.check_char(body) == "X"


@pytest.mark.parametrize(("number", "birth", "gender"), PUBLISHED_VALID)
def test_published_valid_numbers_are_accepted(number, birth, gender):
    assert resident_id.parse(number) == (number, birth, gender)
    assert resident_id.check_char(number[:17]) == number[17]


@pytest.mark.parametrize(("number", "_birth", "_gender"), PUBLISHED_VALID)
def test_every_wrong_check_character_is_refused(number, _birth, _gender):
    for wrong in "0123456789X":
        if wrong == number[17]:
            continue
        with pytest.raises(ValidationError, match="校验位错误"):
            resident_id.parse(number[:17] + wrong)


def test_the_standards_1880_example_has_the_right_check_but_is_no_living_member():
    # GB 11643-1999's second example (广东省汕头市潮阳县, 1880-01-01, male): the check character is
    # right, yet nobody born before 1900 is on a roster, so parse() refuses the birth date.
    assert resident_id.check_char("44052418800101001") == "4"
    with pytest.raises(ValidationError, match="不合理"):
        resident_id.parse("440524188001010014")


def test_lower_case_x_full_width_and_spaces_are_normalized():
    assert resident_id.parse("11010519491231002x")[0] == "11010519491231002X"
    assert resident_id.parse("１１０１０５１９４９１２３１００２Ｘ")[0] == "11010519491231002X"
    assert resident_id.parse(" 110105 19491231 002X ")[0] == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "不能为空"),
        ("4.10105E+17", "科学计数法"),
        ("1101051949123100", "18位"),
        ("11010519491331002X", "出生日期无效"),  # month 13
        ("11010518491231002X", "不合理"),  # born 1849
        ("110105194912310021", "校验位错误"),
    ],
)
def test_refusals_name_the_reason(raw, reason):
    with pytest.raises(ValidationError, match=reason):
        resident_id.parse(raw)


def test_the_generator_agrees_with_the_standard():
    # The demo city and factories use make(); it must produce what the standard accepts.
    assert resident_id.make("110105", date(1949, 12, 31), 2, male=False) == "11010519491231002X"
    assert resident_id.make("440524", date(1880, 1, 1), 1, male=True) == "440524188001010014"


@pytest.mark.django_db
def test_audit_command_lists_stored_ids_that_fail_the_check(small_city):
    def member(name, number, birth):
        return Member.objects.create(
            name=name,
            gender="F",
            resident_id=number,
            birth_date=birth,
            joined_on=date(2010, 7, 1),
            organization=small_city.a1,
        )

    good = member("张好", "65010219860303269X", date(1986, 3, 3))
    bad = member("李错", "410105199011303221", date(1990, 11, 30))
    # A row stored while the check was wrong: bypass validation as the old code effectively did.
    Member.objects.filter(pk=bad.pk).update(resident_id="110105194912310021")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_resident_ids", stdout=out)
    text = out.getvalue()
    assert "1101**********0021" in text and "校验位错误" in text
    assert "110105194912310021" not in text  # only the masked number is printed
    listed = [line.split("\t")[0] for line in text.splitlines() if "\t" in line]
    assert listed == [str(bad.pk)], good.pk
