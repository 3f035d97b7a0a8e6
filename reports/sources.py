"""The one place reports find other apps' selectors — the report shows THEIR numbers, never
recomputed. ``selector(app, name)`` returns the function, or None where that app's selectors are
not installed (the section then says "暂无数据" rather than a number computed another way).

Used: ``assessments.selectors`` (unit_result, unit_trend, rankings, lagging_list, findings_list,
survey_summary), ``pilot.selectors`` (completion_by_org, items_in, current_plan_year,
goal_attainment), ``members.selectors`` (member_rates, care_totals).
"""

from __future__ import annotations

from importlib import import_module


def selector(app: str, name: str):
    try:
        mod = import_module(f"{app}.selectors")
    except ModuleNotFoundError as e:
        if e.name != f"{app}.selectors":
            raise
        return None
    return getattr(mod, name, None)
