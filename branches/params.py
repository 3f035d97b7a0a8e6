"""Query-string values (``?year=``, ``?month=``, ``?period=``, ``?page=`` …) read in one place.

A value a page cannot read never answers 500 nor Django's debug page: the page falls back to its
default and says so at the top ("考核期“2023年四季度”无法识别，已显示……"). Chinese spellings a person
would type are read as well as the codes the pickers send: ``2023年第四季度``, ``2023年四季度``,
``2024年上半年``, ``2024年度``, ``2026年11月``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.contrib import messages
from django.utils.translation import gettext as _

YEAR_MIN, YEAR_MAX = 2000, 2100
T = TypeVar("T")

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＱＨｑｈ－／", "0123456789QHqh-/")


def raw(request, name: str) -> str:
    """The typed value of ``name`` (GET, or POST on a form post), stripped; "" when absent."""
    value = request.GET.get(name)
    if value is None and request.method == "POST":
        value = request.POST.get(name)
    return (value or "").strip()


def _value(default: T | Callable[[], T]) -> T:
    return default() if callable(default) else default


def _refuse(request, label: str, typed: str, shown: str) -> None:
    messages.warning(
        request,
        _("%(label)s“%(typed)s”无法识别，已显示%(shown)s。")
        % {"label": label, "typed": typed[:40], "shown": shown},
        fail_silently=True,
    )


# --- parsing (no request: also used by forms and tests) ---------------------------------------------


def parse_year(text: str) -> int | None:
    m = re.fullmatch(r"(\d{4})\s*(?:年度?)?", (text or "").strip().translate(_FULLWIDTH))
    if not m:
        return None
    y = int(m.group(1))
    return y if YEAR_MIN <= y <= YEAR_MAX else None


def parse_month(text: str) -> date | None:
    """``2023-07``, ``2023-7``, ``2023/07``, ``202307`` or ``2023年7月`` → the 1st of that month."""
    t = (text or "").strip().translate(_FULLWIDTH)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2}日?)?", t) or re.fullmatch(
        r"(\d{4})(\d{2})", t
    )
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    if not (YEAR_MIN <= y <= YEAR_MAX and 1 <= mo <= 12):
        return None
    return date(y, mo, 1)


def parse_period(text: str) -> str | None:
    """A 考核期 code (``2023Q4``, ``2024H1``, ``2024``) from a code or its Chinese name."""
    t = re.sub(r"\s+", "", (text or "").translate(_FULLWIDTH)).upper()
    m = re.fullmatch(r"(\d{4})(?:([QH])(\d))?", t)
    if m:
        y, shape, n = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    elif m := re.fullmatch(r"(\d{4})年?第?([一二三四1-4])季度?", t):
        y, shape, n = int(m.group(1)), "Q", _CN_DIGITS[m.group(2)]
    elif m := re.fullmatch(r"(\d{4})年?([上下])半年", t):
        y, shape, n = int(m.group(1)), "H", 1 if m.group(2) == "上" else 2
    elif m := re.fullmatch(r"(\d{4})年度?", t):
        y, shape, n = int(m.group(1)), None, 0
    else:
        return None
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    if shape == "Q" and 1 <= n <= 4 or shape == "H" and 1 <= n <= 2:
        return f"{y}{shape}{n}"
    return str(y) if shape is None else None


def period_shape(code: str) -> str:
    """``Q`` (quarter), ``H`` (half-year) or ``Y`` (year) of a valid period code."""
    return code[4] if len(code) > 4 else "Y"


def period_label(code: str) -> str:
    """2023Q4 → 2023年第四季度, 2024H1 → 2024年上半年, 2024 → 2024年度."""
    y = code[:4]
    shape = period_shape(code)
    if shape == "Q":
        return _("%(y)s年第%(q)s季度") % {"y": y, "q": "一二三四"[int(code[5]) - 1]}
    if shape == "H":
        return _("%(y)s年上半年") % {"y": y} if code[5] == "1" else _("%(y)s年下半年") % {"y": y}
    return _("%(y)s年度") % {"y": y}


def month_label(d: date) -> str:
    return _("%(y)s年%(m)s月") % {"y": d.year, "m": d.month}


# --- pickers: the values a page has data for, with their Chinese names ---------------------------------


def year_options(years) -> list[tuple[int, str]]:
    return [(y, _("%(y)s年度") % {"y": y}) for y in sorted(set(years), reverse=True)]


def period_options(codes) -> list[tuple[str, str]]:
    """Newest first; a year before its halves and quarters (2024, 2024H2, 2024H1, 2024Q4 …)."""
    order = {"Y": 0, "H": 1, "Q": 2}
    ranked = sorted(set(codes), key=lambda c: (-int(c[:4]), order[period_shape(c)], -int(c[5:] or 0)))
    return [(c, period_label(c)) for c in ranked]


def periods_of_years(years, shapes: str = "QHY", *, keep: str = "") -> list[tuple[str, str]]:
    """Every year, half-year and quarter of ``years`` (dates or ints), as picker options — with the
    year of ``keep`` (the period shown) even when it has no rows, so the picker names it."""
    ys = {getattr(y, "year", y) for y in years} | ({int(keep[:4])} if keep else set())
    parts = {
        "Y": lambda y: [str(y)],
        "H": lambda y: [f"{y}H1", f"{y}H2"],
        "Q": lambda y: [f"{y}Q{n}" for n in range(1, 5)],
    }
    return period_options([c for y in ys for s in shapes for c in parts[s](y)])


def month_options(months) -> list[tuple[str, str]]:
    return [(f"{m:%Y-%m}", month_label(m)) for m in sorted(set(months), reverse=True)]


def latest(values, preferred=None):
    """What a page opens on: ``preferred`` when it has data, else the latest value that has."""
    values = list(values)
    if preferred is not None and preferred in values:
        return preferred
    return max(values) if values else preferred


# --- reading a request ------------------------------------------------------------------------------


def year(request, default: int | Callable[[], int], *, name: str = "year") -> int:
    typed = raw(request, name)
    if typed:
        y = parse_year(typed)
        if y is not None:
            return y
    y = _value(default)
    if typed:
        _refuse(request, _("年度"), typed, _("%(y)s年度") % {"y": y} if y else _("最新年度"))
    return y


def month(request, default: date | Callable[[], date], *, name: str = "month") -> date:
    typed = raw(request, name)
    if typed:
        m = parse_month(typed)
        if m is not None:
            return m
    m = _value(default)
    if typed:
        _refuse(request, _("月份"), typed, month_label(m))
    return m


def period(request, default: str | Callable[[], str], *, name: str = "period", shapes: str = "QHY") -> str:
    """A period code of one of ``shapes``; a year asked of a quarterly page stays refused."""
    typed = raw(request, name)
    if typed:
        code = parse_period(typed)
        if code is not None and period_shape(code) in shapes:
            return code
    code = _value(default)
    if typed:
        _refuse(request, _("考核期"), typed, period_label(code) if code else _("全部考核期"))
    return code


def integer(request, name: str, default: int, *, lo: int = 1, hi: int = 10**6, label: str = "") -> int:
    typed = raw(request, name)
    if not typed:
        return default
    t = typed.translate(_FULLWIDTH)
    if t.isdigit() and lo <= int(t) <= hi:
        return int(t)
    _refuse(request, label or _("页码"), typed, str(default))
    return default


def choice(request, name: str, allowed, default: str = "", *, label: str = "") -> str:
    """One of ``allowed`` (values, or a Django choices class); anything else falls back."""
    values = allowed.values if isinstance(allowed, type) else allowed  # a TextChoices class, or values
    typed = raw(request, name)
    if not typed or typed in values:
        return typed or default
    messages.warning(request, _("%(label)s“%(typed)s”无法识别，已忽略。") % {"label": label or name, "typed": typed[:40]},
                     fail_silently=True)  # fmt: skip
    return default


def search(request, name: str = "q", *, max_length: int = 50) -> str:
    return raw(request, name)[:max_length]
