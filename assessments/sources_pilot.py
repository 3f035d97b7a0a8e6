"""Indicator sources of 试点推进: collective income, honors, funding, brands, pocketbook, monthly life."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Case, Count, Func, IntegerField, Max, Q, Sum, Value, When

if TYPE_CHECKING:  # annotations only: ``sources`` imports this module to register its sources
    from .sources import SourceContext


def pilot_income_rate(ctx: SourceContext) -> dict:
    """村级集体经济收入 against its target for the year: (income, target), e.g. 12 万元 / 10 万元 → 1.2.
    Only figures the township confirmed count."""
    from pilot.models import CollectiveIncome

    rows = (
        CollectiveIncome.objects.filter(**ctx.orgs(), year=ctx.year, status="confirmed")
        .values("organization_id")
        .annotate(n=Sum("income"), d=Sum("target"))
        .values_list("organization_id", "n", "d")
    )
    return {oid: (n or 0, d or 0) for oid, n, d in rows}


#: 县（区）级 1 · 市级 2 · 省级 3 · 国家级 4 (``pilot.models.HONOR_RANK``), in SQL.
HONOR_LEVEL_RANK = Case(
    When(level="national", then=Value(4)),
    When(level="province", then=Value(3)),
    When(level="city", then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


def _honors(ctx: SourceContext) -> dict:
    """Honors received (所获荣誉, recorded once in 试点推进) in the period: per organization the
    highest level and the count per level — one grouped statement for every honor source."""
    from pilot.models import Honor

    rows = (
        Honor.objects.filter(**ctx.orgs(), awarded_on__gte=ctx.start, awarded_on__lte=ctx.end)
        .values("organization_id")
        .annotate(
            top=Max(HONOR_LEVEL_RANK),
            n=Count("*"),
            county=Count("id", filter=Q(level="county")),
            city=Count("id", filter=Q(level="city")),
            province=Count("id", filter=Q(level="province")),
            national=Count("id", filter=Q(level="national")),
        )
        .values_list("organization_id", "top", "n", "county", "city", "province", "national")
    )
    keys = ("top", "n", "county", "city", "province", "national")
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}


def honors(key: str) -> Callable[[SourceContext], dict]:
    def fn(ctx: SourceContext) -> dict:
        return {oid: v[key] for oid, v in ctx.once("honors", lambda: _honors(ctx)).items() if v[key]}

    return fn


def pilot_funding(ctx: SourceContext) -> dict:
    """保障经费 spent in the period (万元, every category)."""
    from pilot.models import FundingRecord

    rows = (
        FundingRecord.objects.filter(**ctx.orgs(), spent_on__gte=ctx.start, spent_on__lte=ctx.end)
        .values("organization_id")
        .annotate(n=Sum("amount"))
        .values_list("organization_id", "n")
    )
    return dict(rows)


def pilot_brands(ctx: SourceContext) -> dict:
    """党建品牌 published to the city-wide showcase by the end of the period."""
    from pilot.models import Brand

    rows = (
        Brand.objects.filter(**ctx.orgs(), published_at__lt=ctx.end_dt)
        .values("organization_id")
        .annotate(n=Count("*"))
        .values_list("organization_id", "n")
    )
    return dict(rows)


def pilot_brand_cases(ctx: SourceContext) -> dict:
    """典型个案 of the unit's published brands (the brand's sixth part)."""
    from pilot.models import BrandCase

    rows = (
        BrandCase.objects.filter(**ctx.orgs("brand__organization_id"), brand__published_at__lt=ctx.end_dt)
        .values("brand__organization_id")
        .annotate(n=Count("*"))
        .values_list("brand__organization_id", "n")
    )
    return dict(rows)


def _pocketbook(ctx: SourceContext) -> dict:
    from pilot.models import Commitment

    rows = (
        Commitment.objects.filter(**ctx.orgs(), year=ctx.year)
        .values("organization_id")
        .annotate(
            n=Count("*"),
            done=Count("id", filter=Q(fulfilled=True)),
            rated=Count("rating"),
            rating=Sum("rating"),
        )
        .values_list("organization_id", "n", "done", "rated", "rating")
    )
    return {r[0]: r[1:] for r in rows}


def pilot_pocketbook(ctx: SourceContext) -> dict:
    """书记责任口袋书兑现率: commitments of the year fulfilled / commitments of the year."""
    rows = ctx.once("pocketbook", lambda: _pocketbook(ctx))
    return {oid: (done, n) for oid, (n, done, _r, _s) in rows.items()}


def pilot_pocketbook_rating(ctx: SourceContext) -> dict:
    """党员群众对承诺兑现的评价: the mean rating (0–100) of the rated commitments (sum, rated)."""
    rows = ctx.once("pocketbook", lambda: _pocketbook(ctx))
    return {oid: (float(s or 0), rated) for oid, (_n, _d, rated, s) in rows.items() if rated}


#: How many months back a monthly source looks (a "连续 6 个月" condition may reach before the
#: quarter); never before the first month the city recorded any activity.
MONTHS_WINDOW = 12


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def months_window(ctx: SourceContext) -> tuple[int, int]:
    """(first, last) month index of the window a monthly source covers."""
    from pilot.models import Activity

    last = _month_index(ctx.end)
    first = last - MONTHS_WINDOW + 1
    earliest = ctx.once("activity_first", lambda: Activity.objects.order_by("held_on").values_list("held_on", flat=True).first())  # fmt: skip
    if earliest is not None:
        first = max(first, min(_month_index(earliest), _month_index(ctx.start)))
    else:
        first = max(first, _month_index(ctx.start))
    return first, last


class _MonthBit(Func):
    """``1 << (last − month index)``: the bit of an activity's month, bit 0 = the period's last
    month (``<<`` is the same in SQLite and PostgreSQL)."""

    template = "(1 << (%(expressions)s))"
    output_field = IntegerField()


def pilot_life_months(ctx: SourceContext) -> dict:
    """组织生活 per month: for each organization a bitmask of the window's months in which it held
    at least one activity (主题党日、三会一课、组织生活会 …), bit 0 = the period's last month — one
    ``GROUP BY organization`` summing each month's bit once (``SUM(DISTINCT 1 << k)``). Key
    ``None`` carries the window length in months, so "连续 n 个月未开展" can be judged for a unit
    with no row at all."""
    from django.db.models.functions import Cast, ExtractMonth, ExtractYear

    from pilot.models import Activity

    first, last = months_window(ctx)
    y0, m0 = divmod(first, 12)
    start = date(y0, m0 + 1, 1)
    month = (
        Cast(ExtractYear("held_on"), IntegerField()) * 12 + Cast(ExtractMonth("held_on"), IntegerField()) - 1
    )
    rows = (
        Activity.objects.filter(**ctx.orgs(), held_on__gte=start, held_on__lte=ctx.end)
        .values("organization_id")
        .annotate(mask=Sum(_MonthBit(Value(last) - month), distinct=True))
        .values_list("organization_id", "mask")
    )
    out: dict = {None: last - first + 1}
    out.update(rows)
    return out
