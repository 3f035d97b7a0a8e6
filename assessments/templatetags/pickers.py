"""Pickers with Chinese names for every period filter — 考核期 (2023年第四季度, 2024年上半年,
2024年度), months (2026年11月) and years (2024年度) — listing what has data, plus the value shown.
One query each, whatever the data size."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import params

register = template.Library()

SELECT = "components/_select.html"


def _scored_periods(kind: str) -> list[str]:
    from assessments.models import RunStatus, ScoreRun

    return list(
        ScoreRun.objects.filter(kind=kind, status__in=[RunStatus.PUBLISHED, RunStatus.NOTICE])
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )


def _plan_years() -> list[int]:
    from pilot.models import PlanYear

    return list(PlanYear.objects.order_by("year").values_list("year", flat=True))


@register.inclusion_tag(SELECT)
def period_picker(
    period: str, kind: str = "supervision", shapes: str = "QHY", name: str = "period", label=None
):
    """The 考核期 that have published (or 公示中) results of ``kind``, and the one shown."""
    period = "" if period in (None, "") else str(period)
    codes = [c for c in _scored_periods(kind) if params.period_shape(c) in shapes]
    return {"name": name, "label": label or _("考核期"), "value": period,
            "options": params.period_options([*codes, *([period] if period else [])])}  # fmt: skip


@register.inclusion_tag(SELECT)
def survey_period_picker(period: str, name: str = "period"):
    """群众评价 by quarter: the quarters that have answers, this quarter and the one shown."""
    from assessments.models import SurveyResponse
    from assessments.services import current_quarter

    codes = list(SurveyResponse.objects.order_by().values_list("period", flat=True).distinct())
    return {"name": name, "label": _("考核期"), "value": period,
            "options": params.period_options([*codes, current_quarter(), period])}  # fmt: skip


@register.inclusion_tag(SELECT)
def cadence_picker(period: str, shapes: str, name: str = "period"):
    """Every period of one cadence (quarters, halves or years) in the years that have an indicator
    scheme, this year and the one shown."""
    from assessments.models import Scheme

    schemes = Scheme.objects.order_by().values_list("year", flat=True).distinct()
    years = {*schemes, timezone.localdate().year, *([int(period[:4])] if period else [])}
    return {"name": name, "label": _("考核期"), "value": period,
            "options": params.periods_of_years(years, shapes)}  # fmt: skip


@register.inclusion_tag(SELECT)
def month_picker(month: date, name: str = "month", label=None):
    """The months of the plan's years up to this month (and the one shown), newest first."""
    today = timezone.localdate()
    years = {*_plan_years(), today.year}
    months = [date(y, m, 1) for y in years for m in range(1, 13) if date(y, m, 1) <= today]
    return {"name": name, "label": label or _("月份"), "value": f"{month:%Y-%m}",
            "options": params.month_options([*months, month])}  # fmt: skip


@register.inclusion_tag(SELECT)
def year_picker(year, name: str = "year", label=None, blank=None):
    """The plan's years, this year and the one shown, as 2024年度."""
    years = {*_plan_years(), timezone.localdate().year, *([int(year)] if year else [])}
    return {"name": name, "label": label or _("年度"), "value": year or "", "blank": blank,
            "options": params.year_options(years)}  # fmt: skip


@register.filter
def period_name(code) -> str:
    """2023Q4 → 2023年第四季度 (what a page writes instead of the code); anything else as it is."""
    code = str(code or "")
    return params.period_label(code) if params.parse_period(code) == code else code


@register.filter
def period_shape(code) -> str:
    """Q, H or Y: the cadence of a period code (a picker of the same cadence)."""
    return params.period_shape(str(code or ""))
