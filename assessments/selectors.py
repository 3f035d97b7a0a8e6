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
from branches.scoping import get_visible_or_404, role_grants

from .models import (
    Finding,
    FindingStatus,
    Inspection,
    RunStatus,
    SchemeKind,
    ScoreResult,
    ScoreRun,
    StandardCheck,
    StandardItem,
    SurveyResponse,
)
from .scoring import PeriodError, parse_period, quarters_of

RESULT_FIELDS = (
    "id", "organization_id", "organization__name", "organization__short_name", "township_id",
    "township__short_name", "domain", "period", "kind", "total", "base", "bonus", "deduction", "grade",
    "grade_label", "stars", "lagging", "vetoed", "rank_city", "rank_township", "rank_domain",
    "scheme_version",
)  # fmt: skip


def published_results(*, user, kind: str = SchemeKind.SUPERVISION):
    return ScoreResult.objects.visible_to(user).filter(kind=kind, run__status=RunStatus.PUBLISHED)


def latest_published_period(*, kind: str = SchemeKind.SUPERVISION) -> str | None:
    run = ScoreRun.objects.filter(kind=kind, status=RunStatus.PUBLISHED).order_by("-period").first()
    return run.period if run else None


def unit_result(
    *, user, org: Organization, period: str, kind: str = SchemeKind.SUPERVISION
) -> ScoreResult | None:
    """The published result of one unit for a period, with its breakdown; None if not published."""
    return (
        published_results(user=user, kind=kind)
        .filter(organization=org, period=period)
        .select_related("organization", "township", "run__scheme")
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


def result_get(*, user, result_id: int) -> ScoreResult:
    return get_visible_or_404(
        ScoreResult.objects.visible_to(user).select_related("organization", "run__scheme"), pk=result_id
    )


def runs_list(*, limit: int = 30):
    return list(ScoreRun.objects.select_related("scheme").order_by("-created_at", "-id")[:limit])


def run_get(*, run_id: int) -> ScoreRun:
    try:
        return ScoreRun.objects.select_related("scheme").get(pk=run_id)
    except (ScoreRun.DoesNotExist, ValueError):
        raise Http404 from None


def run_results(*, run: ScoreRun, limit: int = 200):
    return list(run.results.order_by("vetoed", "-total", "organization_id").values(*RESULT_FIELDS)[:limit])


def period_or_404(code: str) -> str:
    try:
        return parse_period(code).code
    except PeriodError:
        raise Http404 from None


# --- supervision --------------------------------------------------------------------------------


def findings_list(
    *, user, org: Organization | None = None, status: str = "", period: str = "", limit: int = 200
):
    qs = Finding.objects.visible_to(user).select_related("organization", "inspection")
    if org is not None:
        qs = qs.filter(organization__path__startswith=org.path)
    if status == "overdue":
        qs = qs.filter(
            status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED], deadline__lt=timezone.localdate()
        )
    elif status:
        qs = qs.filter(status=status)
    if period:
        p = parse_period(period)
        qs = qs.filter(Q(found_on__range=(p.start, p.end)) | Q(deadline__range=(p.start, p.end)))
    return list(qs.order_by("deadline", "id")[:limit])


def finding_get(*, user, finding_id: int) -> Finding:
    return get_visible_or_404(
        Finding.objects.visible_to(user).select_related("organization", "inspection__inspector"),
        pk=finding_id,
    )


def inspection_get(*, user, inspection_id: int) -> Inspection:
    return get_visible_or_404(
        Inspection.objects.visible_to(user).select_related("organization", "inspector"), pk=inspection_id
    )


def escalated_for_home(*, user, limit: int = 20):
    """Overdue rectification escalated to the level above: shown to reviewers (township, city)
    for units strictly below them. One query."""
    paths = [g.path for g in role_grants(user) if g.kind in ("city_admin", "township_secretary")]
    if not paths and not getattr(user, "is_superuser", False):
        return []
    qs = Finding.objects.visible_to(user).filter(
        escalated_at__isnull=False, status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED]
    )
    if not getattr(user, "is_superuser", False):
        below = Q()
        for p in paths:
            below |= Q(organization__path__startswith=p) & ~Q(organization__path=p)
        qs = qs.filter(below)
    return list(qs.select_related("organization").order_by("deadline", "id")[: limit + 1])


def contact_units(*, user):
    """班子成员工作联系点 / 督查组分工: the units this person follows, with open and overdue counts."""
    ids = [g.organization_id for g in role_grants(user) if g.kind in ("inspector", "leader")]
    today = timezone.localdate()
    orgs = list(Organization.objects.visible_to(user).filter(id__in=ids).order_by("path"))
    counts = {
        r["organization__path"]: r
        for r in Finding.objects.visible_to(user)
        .filter(status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED])
        .values("organization__path")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
    }
    out = []
    for o in orgs:
        n = sum(v["open"] for p, v in counts.items() if p.startswith(o.path))
        od = sum(v["overdue"] for p, v in counts.items() if p.startswith(o.path))
        out.append({"org": o, "open": n, "overdue": od})
    return out


def standards_for(*, user, org: Organization, year: int):
    """The domain's checklist with this organization's self-check and verification, item by item."""
    items = list(
        StandardItem.objects.filter(standard__domain=org.domain, standard__year=year).order_by(
            "sort_order", "id"
        )
    )
    checks = {
        c.item_id: c for c in StandardCheck.objects.visible_to(user).filter(organization=org, item__in=items)
    }
    return [{"item": i, "check": checks.get(i.pk)} for i in items]


def survey_summary(*, user, org: Organization, period: str) -> dict:
    p = parse_period(period)
    qs = SurveyResponse.objects.visible_to(user).filter(
        organization__path__startswith=org.path, answered_on__range=(p.start, p.end)
    )
    counts = dict(qs.values_list("rating").annotate(n=Count("id")).order_by())
    comments = list(
        qs.exclude(comment="").order_by("-answered_on", "-id").values("answered_on", "rating", "comment")[:50]
    )
    n = sum(counts.values())
    score = (counts.get("satisfied", 0) + counts.get("basic", 0) / 2) / n if n else None
    return {"counts": counts, "n": n, "score": score, "comments": comments}


def duty_rating_summary(*, user, org: Organization, year: int) -> dict | None:
    """述职评议: the year's duty report and how members and the public rated it (one query each)."""
    from .models import DutyRating, DutyReport

    report = DutyReport.objects.visible_to(user).filter(organization=org, year=year).first()
    if report is None:
        return None
    counts = dict(
        DutyRating.objects.filter(report=report).values_list("rating").annotate(n=Count("id")).order_by()
    )
    by_rater = dict(
        DutyRating.objects.filter(report=report).values_list("rater").annotate(n=Count("id")).order_by()
    )
    n = sum(counts.values())
    rate = None
    if n:
        rate = round((counts.get("satisfied", 0) * 2 + counts.get("basic", 0)) * 100 / (2 * n), 1)
    return {"title": report.title, "n": n, "counts": counts, "by_rater": by_rater, "rate": rate}
