"""GB 11643 resident identity numbers: normalize, validate, derive birth date and gender, mask.

The check character is ISO 7064 MOD 11-2 as GB 11643-1999 §8.2 states it, written out here so
that no library upgrade can change its meaning (python-stdnum 2.2 changed
``cn.ric.calc_check_digit`` to take all 18 characters, and real IDs were refused under us).
python-stdnum's area table is only a hint (``area_known``), never a reason to refuse: people
keep numbers issued before their area code existed in it (every ``410102…`` born before 1983).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"ｘ": "X", "Ｘ": "X", "\u3000": " "}
)
# GB 11643-1999 §8.2: W_i = 2^(i-1) mod 11 for positions i = 18..2 counted from the right.
_WEIGHTS = tuple(pow(2, 17 - k, 11) for k in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"  # indexed by (Σ a_i·W_i) mod 11


def check_char(body: str) -> str:
    """The check character of the 17-digit ``body`` (ISO 7064 MOD 11-2)."""
    if len(body) != 17 or not body.isdigit():
        raise ValueError("check_char takes exactly the first 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def normalize(raw) -> str:
    """Full-width digits to ASCII, spaces removed, lower-case x to X."""
    if raw is None:
        return ""
    s = str(raw).translate(_FULLWIDTH)
    s = re.sub(r"\s+", "", s)
    return s.upper()


def parse(raw) -> tuple[str, date, str]:
    """Return ``(id, birth_date, gender)`` or raise ValidationError with a Chinese reason."""
    s = normalize(raw)
    if not s:
        raise ValidationError(_("公民身份号码不能为空。"))
    if _SCI.match(s):
        raise ValidationError(
            _(
                "公民身份号码被 Excel 转成了科学计数法（如 4.10102E+17），后几位已丢失。"
                "请把该列设置为“文本”格式后重新录入号码，或在号码前加英文单引号 '。"
            )
        )
    if not re.fullmatch(r"\d{17}[\dX]", s):
        raise ValidationError(_("公民身份号码应为18位：前17位数字，最后一位为数字或 X。"))
    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise ValidationError(_("公民身份号码中的出生日期无效。")) from None
    if birth > date.today() or birth.year < 1900:
        raise ValidationError(_("公民身份号码中的出生日期不合理。"))
    if check_char(s[:17]) != s[17]:
        raise ValidationError(_("公民身份号码校验位错误，请核对号码。"))
    gender = "M" if int(s[16]) % 2 == 1 else "F"
    return s, birth, gender


def mask(value: str | None) -> str:
    """``4101**********123X``: the first four and the last four characters only."""
    if not value:
        return ""
    if len(value) < 9:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def make(area: str, birth: date, seq: int, male: bool) -> str:
    """Build a valid ID (demo data and tests)."""
    seq = seq % 1000
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


@lru_cache(maxsize=4096)
def area_known(area: str) -> bool:
    """Whether python-stdnum's table knows the 6-digit area code at all (any year).

    Only a hint: an unknown code is shown as a warning, never a reason to refuse.
    """
    from stdnum import numdb

    return any(props for _part, props in numdb.get("cn/loc").info(area))


class ResidentIdMixin:
    """A model holding a person's resident ID (encrypted ``resident_id``) and its blind index
    (``resident_id_hash``): saved in one spelling with the index kept in step, shown masked."""

    def save(self, *args, **kwargs):
        if self.resident_id:
            from .crypto import blind_index

            self.resident_id = normalize(self.resident_id)
            self.resident_id_hash = blind_index(self.resident_id)
        super().save(*args, **kwargs)

    @property
    def resident_id_masked(self) -> str:
        return mask(self.resident_id)
