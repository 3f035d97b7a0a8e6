"""Raw values → points: mappers, grade bands, veto conditions and monthly activity."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .models import ConditionOp, GradeBand, Indicator, Mapping
from .periods import Period

TWO = Decimal("0.01")


def _dec(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def raw_value(shape: str, rolled, default):
    """A ratio's (num, den) → num/den; no data → the indicator's default (None: no data)."""
    if shape == "ratio":
        num, den = rolled if rolled else (0, 0)
        if not den:
            return None if default is None else _dec(default)
        return _dec(num) / _dec(den)
    if rolled is None:
        return _dec(default) if default is not None else Decimal(0)
    return _dec(rolled)


def make_mapper(ind: Indicator):
    """raw → points (≥ 0; deductions are subtracted by the caller), parameters parsed once."""
    p = ind.params or {}
    w = _dec(ind.weight)
    zero = Decimal(0)

    def done(pts: Decimal) -> Decimal:
        return pts.quantize(TWO, ROUND_HALF_UP)

    if ind.mapping == Mapping.LINEAR:
        lo, hi = _dec(p.get("lo", 0)), _dec(p.get("hi", 1))
        span = hi - lo

        def f(raw):
            return done(w * min(max((raw - lo) / span, zero), Decimal(1)))

    elif ind.mapping == Mapping.THRESHOLDS:
        steps = [(_dec(low), _dec(val)) for low, val in p.get("steps", [])]

        def f(raw):
            return done(next((val for low, val in steps if raw >= low), zero))

    elif ind.mapping == Mapping.PER_ITEM:
        per, cap = _dec(p["per_item"]), _dec(p.get("cap", ind.weight))

        def f(raw):
            return done(min(raw * per, cap) if cap else raw * per)

    elif ind.mapping == Mapping.DIRECT:

        def f(raw):
            return done(min(max(raw, zero), w))

    else:  # FLAG

        def f(raw):
            return done(w if raw > 0 else zero)

    return lambda raw: zero if raw is None else f(raw)


def grade_for(bands: list[GradeBand], total: Decimal, *, vetoed: bool, innovation: bool) -> GradeBand | None:
    """The best band the total reaches (bands ordered best first). A veto gives the band marked
    后进 when there is one, otherwise no band; a total below every band gets no band."""
    lagging = next((b for b in bands if b.is_lagging), None)
    if vetoed:
        return lagging
    for b in bands:
        if total >= b.min_score and (innovation or not b.requires_innovation):
            return b
    return lagging


_OPS = {
    ConditionOp.GT: lambda v, x: v > x,
    ConditionOp.GE: lambda v, x: v >= x,
    ConditionOp.LT: lambda v, x: v < x,
    ConditionOp.LE: lambda v, x: v <= x,
    ConditionOp.EQ: lambda v, x: v == x,
    ConditionOp.STREAK: lambda v, x: v >= x,  # the raw value of a monthly veto is the longest gap
}


def veto_hit(ind: Indicator, value: Decimal | None) -> bool:
    """Whether a veto item (一票否决 / 清零) fires: its condition on the raw value, or any value
    above 0 when it has none. No data (and no default) never fires."""
    if value is None:
        return False
    if not ind.condition_op:
        return value > 0
    return _OPS[ind.condition_op](value, _dec(ind.condition_value))


def longest_gap(mask: int, months: int) -> int:
    """The longest run of consecutive months without activity among the window's ``months``
    (bit 0 = the last month)."""
    best = run = 0
    for i in range(months):
        run = 0 if mask >> i & 1 else run + 1
        best = max(best, run)
    return best


def period_months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def months_value(ind: Indicator, mask, window: int, period: Period) -> Decimal:
    """A monthly source's raw value: for a "连续 n 个月没有" veto the longest gap in the window,
    otherwise the number of the period's months with activity."""
    mask = mask or 0
    if ind.condition_op == ConditionOp.STREAK:
        return Decimal(longest_gap(mask, window))
    return Decimal(bin(mask & ((1 << period_months(period)) - 1)).count("1"))
