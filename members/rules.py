"""The roster rules (花名册规则), stated once.

The member form, the member service, the roster importer and the 发展党员 register check a person
through ``person_errors``, so one bad value gets one Chinese message wherever it is entered: on
the page next to the field, in the service's ``ValidationError``, or on the importer's row.

Values come in already parsed (dates as ``date``, the resident ID through
``members.resident_id.parse``); parsing a cell or a form field stays with whoever reads it.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

NAME_MAX = 40
ETHNICITY_MAX = 20
PHONE = re.compile(r"^1\d{10}$")
# Look-alike middle dots (and the ideographic space) as people type them into names like 买买提·艾力.
DOT = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·", "\u3000": " "})
_CJK = re.compile(r"[\u4e00-\u9fff]")
# What the form's own field checks (required, max_length) say: the rules' words, not Django's.
FIELD_MESSAGES = {
    ("name", "required"): gettext_lazy("姓名不能为空。"),
    ("name", "max_length"): gettext_lazy("姓名过长（最多 40 个字）。"),
    ("ethnicity", "max_length"): gettext_lazy("民族名称过长。"),
    ("joined_on", "required"): gettext_lazy("入党日期不能为空。"),
}


def normalize_name(value: str) -> str:
    """One spelling of a name: one kind of middle dot; no spaces inside a Chinese name."""
    name = (value or "").translate(DOT).strip()
    return re.sub(r"\s+", "", name) if _CJK.search(name) else re.sub(r"\s+", " ", name)


def normalize_phone(value: str) -> str:
    """``138 0000-0000`` and ``13800000000`` are one number."""
    return re.sub(r"[\s-]", "", value or "")


def eighteenth(birth: date) -> date:
    """The 18th birthday (a 29 February birthday turns 18 on 1 March)."""
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return date(birth.year + 18, 3, 1)


def person_errors(
    values: dict, *, id_birth: date | None, id_gender: str | None, today: date | None = None
) -> dict[str, str]:
    """``{field: message}`` for what breaks the roster rules among ``values`` (model field names).

    Only the fields present in ``values`` are checked; ``id_birth`` / ``id_gender`` are what the
    resident ID says (``None`` when the ID itself was refused: nothing is compared with it).
    """
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if "name" in values:
        if not values["name"]:
            errors["name"] = str(FIELD_MESSAGES["name", "required"])
        elif len(values["name"]) > NAME_MAX:
            errors["name"] = str(FIELD_MESSAGES["name", "max_length"])
    gender = values.get("gender")
    if gender and id_gender and gender != id_gender:
        errors["gender"] = _("性别与公民身份号码第17位不符。")
    if len(values.get("ethnicity") or "") > ETHNICITY_MAX:
        errors["ethnicity"] = str(FIELD_MESSAGES["ethnicity", "max_length"])
    birth = values.get("birth_date")
    if birth and id_birth and birth != id_birth:
        errors["birth_date"] = _("出生日期 %(a)s 与公民身份号码中的 %(b)s 不一致。") % {
            "a": f"{birth:%Y-%m-%d}",
            "b": f"{id_birth:%Y-%m-%d}",
        }
    birth = birth or id_birth
    if values.get("phone") and not PHONE.match(values["phone"]):
        errors["phone"] = _("手机号码应为以 1 开头的 11 位数字。")
    joined, full = values.get("joined_on"), values.get("full_member_on")
    if "joined_on" in values and joined is None:
        errors["joined_on"] = str(FIELD_MESSAGES["joined_on", "required"])
    elif joined and joined > today:
        errors["joined_on"] = _("入党日期不能晚于今天。")
    elif joined and birth and joined < eighteenth(birth):
        errors["joined_on"] = _("入党日期早于年满18周岁的日期。")
    if full and joined and full < joined:
        errors["full_member_on"] = _("转正日期不能早于入党日期。")
    elif full and full > today:
        errors["full_member_on"] = _("转正日期不能晚于今天。")
    return errors
