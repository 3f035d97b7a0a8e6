"""Reads. Pages and the ``reports`` app's PDFs use these, so the same numbers appear everywhere.

Stable API for other apps (documented in docs/assessments.md):
``unit_result``, ``unit_trend``, ``rankings``, ``lagging_list``, ``city_overview``,
``latest_published_period``. All scoped with ``visible_to(user)``; only published runs.
"""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.http import Http404
from django.utils import timezone

from branches.models import Organization
from branches.scoping import get_visible_or_404

from .models import (
    RunStatus,
    SchemeKind,
    ScoreResult,
    ScoreRun,
)
from .scoring import parse_period, quarters_of
from .selectors_fortress import (  # noqa: F401  re-exported: callers use selectors.*
    FORTRESS,
    STAR_LABELS,
    _num,
    _pct,
    branch_subjects,
    fortress_by_township,
    fortress_of,
    fortress_year,
    shown_lines,
    star_overview,
    star_text,
)
from .selectors_published import (  # noqa: F401  re-exported: callers use selectors.*
    RESULT_FIELDS,
    latest_published_period,
    published_results,
)
from .selectors_supervision import (  # noqa: F401  re-exported: callers use selectors.*
    contact_units,
    duty_rating_summary,
    escalated_for_home,
    finding_get,
    findings_list,
    findings_query,
    standard_years,
    standards_for,
    survey_periods,
    survey_summary,
)


def unit_result(
    *, user, org: Organization, period: str, kind: str = SchemeKind.SUPERVISION
) -> ScoreResult | None:
    """The published result of one unit for a period, with its breakdown; None if not published."""
    return (
        published_results(user=user, kind=kind)
        .filter(organization=org, period=period)
        .select_related("organization", "township", "run__scheme", "scheme__scope")
        .first()
    )


def unit_entries(*, user, org: Organization, period: str) -> list[dict]:
    """The period's entered items of a unit, one row per item: 自评, 党员群众测评 and 上级评定 side
    by side, and which one counts (the superior's, else the mass evaluation's, else the unit's own —
    as the ``entered:`` sources read them)."""
    from .models import AssessorEntry

    rows: dict[str, dict] = {}
    qs = (
        AssessorEntry.objects.visible_to(user)
        .filter(organization=org, period=period)
        .select_related("entered_by")
        .order_by("code", "stage")
    )
    for e in qs:
        row = rows.setdefault(e.code, {"code": e.code, "self": None, "mass": None, "superior": None})
        row[e.stage] = e
    for row in rows.values():
        row["counts"] = next(st for st in ("superior", "mass", "self") if row[st] is not None)
    return list(rows.values())


def unit_trend(*, user, org: Organization, year: int, kind: str = SchemeKind.SUPERVISION) -> list[dict]:
    """The unit's published quarterly scores of a year, with the change from the quarter before."""
    rows = {
        r["period"]: r
        for r in published_results(user=user, kind=kind)
        .filter(organization=org, period__in=quarters_of(year))
        .values("period", "total", "grade_label", "rank_township", "rank_city")
    }
    out, prev = [], None
    for q in quarters_of(year):
        r = rows.get(q)
        change = (r["total"] - prev) if (r and prev is not None) else None
        out.append({"period": q, "row": r, "change": change})
        if r:
            prev = r["total"]
    return out


def rankings(
    *,
    user,
    scope: Organization,
    period: str,
    kind: str = SchemeKind.SUPERVISION,
    domain: str = "",
    limit=None,
):
    """Published results inside ``scope`` (a township, or the city), best first — a vetoed unit
    after every unit that was not, as the stored ranks have it — each with its ``place`` among
    the rows returned (ties share a place: 1, 2, 2, 4)."""
    get_visible_or_404(Organization.objects.visible_to(user), pk=scope.pk)
    qs = (
        published_results(user=user, kind=kind)
        .filter(period=period, organization__path__startswith=scope.path)
        .order_by("vetoed", "-total", "organization_id")
    )
    if domain:
        qs = qs.filter(domain=domain)
    rows = list(qs.values(*RESULT_FIELDS)[:limit] if limit else qs.values(*RESULT_FIELDS))
    prev = None
    for i, r in enumerate(rows, 1):
        if (r["vetoed"], r["total"]) != prev:
            prev, place = (r["vetoed"], r["total"]), i
        r["place"] = place
    return rows


def lagging_list(*, user, scope: Organization, period: str, kind: str = SchemeKind.SUPERVISION):
    """后进: published results graded lagging (by threshold or by a veto) inside ``scope``."""
    get_visible_or_404(Organization.objects.visible_to(user), pk=scope.pk)
    return list(
        published_results(user=user, kind=kind)
        .filter(period=period, organization__path__startswith=scope.path, lagging=True)
        .order_by("total", "organization_id")
        .values(*RESULT_FIELDS)
    )


def city_overview(*, user, period: str, kind: str = SchemeKind.SUPERVISION) -> dict:
    """Townships and domains side by side: count, average, lagging, best grade share."""
    qs = published_results(user=user, kind=kind).filter(period=period)
    agg = {"n": Count("id"), "avg": Avg("total"), "lagging": Count("id", filter=Q(lagging=True))}
    by_town = list(
        qs.values("township_id", "township__short_name", "township__name").annotate(**agg).order_by("-avg")
    )
    by_domain = list(qs.values("domain").annotate(**agg).order_by("-avg"))
    total = qs.aggregate(**agg)
    return {"townships": by_town, "domains": by_domain, "total": total}


def runs_list(*, limit: int = 30):
    return list(ScoreRun.objects.select_related("scheme").order_by("-created_at", "-id")[:limit])


def run_get(*, run_id: int) -> ScoreRun:
    try:
        return ScoreRun.objects.select_related("scheme").get(pk=run_id)
    except (ScoreRun.DoesNotExist, ValueError):
        raise Http404 from None


def notice_run(*, period: str, kind: str = SchemeKind.SUPERVISION) -> ScoreRun | None:
    """The period's run on 公示, if any (its notice period is shown wherever its results are)."""
    return ScoreRun.objects.filter(period=period, kind=kind, status=RunStatus.NOTICE).first()


def run_results(*, run: ScoreRun):
    """A run's results, best first (a page of them is what the run page shows)."""
    return run.results.order_by("vetoed", "-total", "organization_id").values(*RESULT_FIELDS)


def ranking_page(
    *,
    user,
    scope: Organization,
    period: str,
    kind: str = SchemeKind.SUPERVISION,
    domain: str = "",
    page: int = 1,
    per_page: int = 100,
) -> dict:
    """One page of the ranking inside ``scope`` (best first, a vetoed unit after every unit that
    was not), each row with its ``place`` in the whole scope — ties share a place (1, 2, 2, 4) —
    from a window function, so a page of a 5,000-unit city is two queries (count and page)."""
    from django.db.models import F, Window
    from django.db.models.functions import Rank

    get_visible_or_404(Organization.objects.visible_to(user), pk=scope.pk)
    qs = published_results(user=user, kind=kind).filter(
        period=period, organization__path__startswith=scope.path
    )
    if domain:
        qs = qs.filter(domain=domain)
    n = qs.count()
    pages = max((n + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    rows = list(
        qs.annotate(place=Window(Rank(), order_by=[F("vetoed").asc(), F("total").desc()]))
        .order_by("vetoed", "-total", "organization_id")
        .values(*RESULT_FIELDS, "place")[start : start + per_page]
    )
    for r in rows:
        r["star_text"] = star_text(r) if kind == FORTRESS else ""
    return {"rows": rows, "count": n, "page": page, "pages": pages, "per_page": per_page, "start": start}


def lagging_with_plans(*, user, scope: Organization, period: str, kind: str = SchemeKind.SUPERVISION):
    """后进 of a period inside ``scope`` (``lagging_list``), each with its 整改方案 of the year
    (plan, responsible, deadline, progress) or None. Two queries."""
    from .models import RectificationPlan

    rows = lagging_list(user=user, scope=scope, period=period, kind=kind)
    year = parse_period(period).year
    plans = {
        p.organization_id: p
        for p in RectificationPlan.objects.visible_to(user).filter(
            year=year, organization_id__in=[r["organization_id"] for r in rows]
        )
    }
    today = timezone.localdate()
    for r in rows:
        r["plan"] = plans.get(r["organization_id"])
        r["plan_overdue"] = bool(r["plan"] and r["plan"].is_overdue(today))
        r["star_text"] = star_text(r) if kind == FORTRESS else ""
    return rows


def plan_get(*, user, org: Organization, year: int):
    from .models import RectificationPlan

    return RectificationPlan.objects.visible_to(user).filter(organization=org, year=year).first()


# --- entered indicators for many units at once (评定录入表) ------------------------------------------

GRID_PAGE_SIZE = 100


def entry_grid(*, user, scope: Organization, period: str, kind: str, page: int = 1) -> dict:
    """Rows = the units below ``scope`` the user may rate (上级评定), each with the scheme that
    scores it; columns = the entered indicators (``entered:<code>``) of the published schemes of
    the period's year and kind; cells = the current 上级评定 values. A fixed number of queries:
    the schemes, their indicators, one per scheme for its units, one for the values."""
    from branches.policy import Action, action_q

    from .models import AssessorEntry, Indicator
    from .scoring import specificity, subject_queryset
    from .services import published_schemes
    from .sources import ENTERED_PREFIX

    year = parse_period(period).year
    schemes = published_schemes(year=year, kind=kind)
    inds = list(
        Indicator.objects.filter(scheme__in=schemes, source__startswith=ENTERED_PREFIX).order_by(
            "sort_order", "id"
        )
    )
    columns: dict[str, dict] = {}
    codes_of: dict[int, set[str]] = {}
    for i in inds:
        code = i.source[len(ENTERED_PREFIX) :]
        columns.setdefault(code, {"code": code, "name": i.name, "max": i.weight, "mapping": i.mapping})
        codes_of.setdefault(i.scheme_id, set()).add(code)
    unit: dict[int, tuple] = {}
    for s in sorted(schemes, key=specificity):  # the most specific scheme wins, as in a run
        mine = subject_queryset(s).filter(path__startswith=scope.path).filter(action_q(user, Action.REVIEW))
        for o in mine.only("id", "name", "path", "depth", "code", "domain"):
            unit[o.pk] = (o, s)
    rated = sorted(((o.path, o.pk, o, s) for o, s in unit.values()), key=lambda r: r[0])
    pages = max(1, -(-len(rated) // GRID_PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = rated[(page - 1) * GRID_PAGE_SIZE : page * GRID_PAGE_SIZE]
    values = {
        (oid, code): v
        for oid, code, v in AssessorEntry.objects.filter(
            organization_id__in=[r[1] for r in shown], period=period, stage="superior", code__in=list(columns)
        ).values_list("organization_id", "code", "value")
    }
    rows = []
    for _path, oid, o, s in shown:
        mine = codes_of.get(s.pk, set())
        rows.append(
            {
                "id": oid,
                "name": o.name,
                "org": o,
                "scheme": s,
                "cells": [
                    {
                        "code": c,
                        "name": columns[c]["name"],
                        "editable": c in mine,
                        "value": values.get((oid, c)),
                        "typed": None,
                        "error": False,
                    }
                    for c in columns
                ],
            }
        )
    return {
        "schemes": schemes,
        "columns": list(columns.values()),
        "rows": rows,
        "page": page,
        "pages": pages,
        "page_numbers": range(1, pages + 1),
        "count": len(rated),
    }
