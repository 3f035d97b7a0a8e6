"""Assessment periods: the 2023Q3 / 2023H1 / 2023 codes and their date ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    code: str  # 2023Q3, 2023H1, 2023
    shape: str  # Q, H, Y
    year: int
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.shape == "Q":
            return _("%(y)s年第%(q)s季度") % {"y": self.year, "q": self.code[-1]}
        if self.shape == "H":
            return (
                _("%(y)s年上半年") % {"y": self.year}
                if self.code.endswith("1")
                else _("%(y)s年下半年") % {"y": self.year}
            )
        return _("%(y)s年度") % {"y": self.year}


def _month_end(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


def parse_period(code: str) -> Period:
    """``2023Q3`` (quarter), ``2023H1`` (half-year) or ``2023`` (year)."""
    code = (code or "").strip().upper()
    m = re.fullmatch(r"(\d{4})(?:([QH])(\d))?", code)
    if not m:
        raise PeriodError(_("考核期格式应为 2023Q3、2023H1 或 2023，收到“%(c)s”。") % {"c": code})
    y = int(m.group(1))
    if not m.group(2):
        return Period(code, "Y", y, date(y, 1, 1), date(y, 12, 31))
    n = int(m.group(3))
    if m.group(2) == "Q":
        if not 1 <= n <= 4:
            raise PeriodError(_("季度应为 1–4。"))
        return Period(code, "Q", y, date(y, 3 * n - 2, 1), _month_end(y, 3 * n))
    if not 1 <= n <= 2:
        raise PeriodError(_("半年应为 H1 或 H2。"))
    return Period(code, "H", y, date(y, 6 * n - 5, 1), _month_end(y, 6 * n))


def quarters_of(year: int) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def previous_quarter(today: date) -> str:
    q = (today.month - 1) // 3 + 1
    y = today.year
    q -= 1
    if q == 0:
        y, q = y - 1, 4
    return f"{y}Q{q}"
