"""Reads. Pages and the ``reports`` app's PDFs use these, so the same numbers appear everywhere.

Stable API for other apps (documented in docs/assessments.md):
``unit_result``, ``unit_trend``, ``rankings``, ``lagging_list``, ``city_overview``,
``latest_published_period``. All scoped with ``visible_to(user)``; only published runs.
"""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.policy import Action, action_q, may_anywhere, role_orgs
from branches.scoping import get_visible_or_404

from .models import (
    Finding,
    FindingStatus,
    RunStatus,
    SchemeKind,
    ScoreResult,
    ScoreRun,
    Standard,
    StandardCheck,
    StandardItem,
    StandardStatus,
    SurveyResponse,
    finding_overdue_q,
)
from .scoring import parse_period, quarters_of

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


# --- supervision --------------------------------------------------------------------------------


def findings_list(
    *, user, org: Organization | None = None, status: str = "", period: str = "", limit: int = 200
):
    return list(findings_query(user=user, org=org, status=status, period=period)[:limit])


def findings_query(*, user, org: Organization | None = None, status: str = "", period: str = "", q: str = ""):
    """督查问题 in scope, filtered: the findings page pages it; the year-end report lists it."""
    qs = Finding.objects.visible_to(user).select_related("organization", "inspection")
    if q:
        qs = qs.filter(Q(problem__icontains=q) | Q(organization__name__icontains=q))
    if org is not None:
        qs = qs.filter(organization__path__startswith=org.path)
    if status == "overdue":
        qs = qs.overdue()
    elif status:
        qs = qs.filter(status=status)
    if period:
        p = parse_period(period)
        qs = qs.filter(Q(found_on__range=(p.start, p.end)) | Q(deadline__range=(p.start, p.end)))
    return qs.order_by("deadline", "id")


def finding_get(*, user, finding_id: int) -> Finding:
    return get_visible_or_404(
        Finding.objects.visible_to(user).select_related("organization", "inspection__inspector"),
        pk=finding_id,
    )


def escalated_for_home(*, user, limit: int = 20):
    """Overdue rectification escalated to the level above: shown to reviewers (township, city)
    for units strictly below them. One query."""
    if not may_anywhere(user, Action.REVIEW):
        return []
    qs = Finding.objects.visible_to(user).filter(
        action_q(user, Action.REVIEW, "organization__path"),
        escalated_at__isnull=False,
        status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED],
    )
    return list(qs.select_related("organization").order_by("deadline", "id")[: limit + 1])


def contact_units(*, user):
    """班子成员工作联系点 / 督查组分工: the units this person follows, with open and overdue counts."""
    today = timezone.localdate()
    orgs = list(role_orgs(user, Action.FOLLOW).order_by("path"))
    counts = {
        r["organization__path"]: r
        for r in Finding.objects.visible_to(user)
        .filter(status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED])
        .values("organization__path")
        .annotate(open=Count("id"), overdue=Count("id", filter=finding_overdue_q(today)))
    }
    out = []
    for o in orgs:
        n = sum(v["open"] for p, v in counts.items() if p.startswith(o.path))
        od = sum(v["overdue"] for p, v in counts.items() if p.startswith(o.path))
        out.append({"org": o, "open": n, "overdue": od})
    return out


def standard_years(*, domain: str) -> list[int]:
    """The years that have a published 合格支部标准 for ``domain`` (what the page can open on)."""
    return list(
        Standard.objects.filter(domain=domain, status=StandardStatus.PUBLISHED)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )


def survey_periods(*, org: Organization) -> list[str]:
    """The quarters in which ``org`` received 群众评价 answers."""
    return list(
        SurveyResponse.objects.filter(organization=org).order_by().values_list("period", flat=True).distinct()
    )


def standards_for(*, user, org: Organization, year: int):
    """The domain's checklist with this organization's self-check and verification, item by item."""
    items = list(
        StandardItem.objects.filter(
            standard__domain=org.domain, standard__year=year, standard__status=StandardStatus.PUBLISHED
        ).order_by("sort_order", "id")
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
    counts, flagged, by_channel = {}, {}, {}
    for rating, channel, is_flagged, k in (
        qs.values_list("rating", "channel", "flagged").annotate(k=Count("id")).order_by()
    ):
        bucket = flagged if is_flagged else counts
        bucket[rating] = bucket.get(rating, 0) + k
        if not is_flagged:
            by_channel[channel] = by_channel.get(channel, 0) + k
    comments = list(
        qs.filter(flagged=False).exclude(comment="").order_by("-answered_on", "-id")
        .values("answered_on", "rating", "comment")[:50]
    )  # fmt: skip
    n = sum(counts.values())
    score = (counts.get("satisfied", 0) + counts.get("basic", 0) / 2) / n if n else None
    return {"counts": counts, "n": n, "score": score, "comments": comments, "flagged": flagged,
            "n_flagged": sum(flagged.values()), "ballots": by_channel.get("ballot", 0)}  # fmt: skip


def duty_rating_summary(*, user, org: Organization, year: int) -> dict | None:
    """述职评议: the year's duty report and how members and the public rated it (one query each)."""
    from .models import DutyRating, DutyReport

    report = DutyReport.objects.visible_to(user).filter(organization=org, year=year).first()
    if report is None:
        return None
    counted = DutyRating.objects.filter(report=report, flagged=False)
    counts = dict(counted.values_list("rating").annotate(n=Count("id")).order_by())
    by_rater = dict(counted.values_list("rater").annotate(n=Count("id")).order_by())
    n_flagged = DutyRating.objects.filter(report=report, flagged=True).count()
    n = sum(counts.values())
    rate = None
    if n:
        rate = round((counts.get("satisfied", 0) * 2 + counts.get("basic", 0)) * 100 / (2 * n), 1)
    return {
        "title": report.title,
        "n": n,
        "counts": counts,
        "by_rater": by_rater,
        "rate": rate,
        "n_flagged": n_flagged,
    }


# --- 双指数 / 双五星: the fortress index of branches, the stars of branches and members ----------

FORTRESS = SchemeKind.FORTRESS
STAR_LABELS = {5: _("五星"), 4: _("四星"), 3: _("三星"), 2: _("二星"), 1: _("一星")}


def branch_subjects(qs):
    """党支部 that get a fortress index: a unit that is itself a 党支部, or a branch inside a
    党总支/党委 (as the default fortress scheme's subjects)."""
    from branches.models import Level, OrgForm, OrgStatus

    return qs.filter(status=OrgStatus.ACTIVE, org_form=OrgForm.BRANCH, level__in=[Level.UNIT, Level.BRANCH])


def fortress_year(upto: int | None = None) -> int | None:
    """The latest year (up to ``upto``) with a published fortress index."""
    if upto is None:
        p = latest_published_period(kind=FORTRESS)
    else:
        run = (
            ScoreRun.objects.filter(kind=FORTRESS, status=RunStatus.PUBLISHED, period__lte=str(upto))
            .order_by("-period")
            .first()
        )
        p = run.period if run else None
    return int(p) if p else None


def star_text(row) -> str:
    """A result's star as people say it: 四星, or its grade (后进, 一票否决) when below one star —
    never "0星"."""
    stars = row["stars"] if isinstance(row, dict) else row.stars
    if stars:
        return str(STAR_LABELS.get(stars, f"{stars}星"))
    vetoed = row["vetoed"] if isinstance(row, dict) else row.vetoed
    label = row["grade_label"] if isinstance(row, dict) else row.grade_label
    return (
        str(_("未达一星（一票否决）")) if vetoed else str(_("未达一星（%(g)s）") % {"g": label or _("后进")})
    )


def _num(x) -> str:
    """12.0 → 12, 12.50 → 12.5: points as people write them."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if x is not None else ""


def shown_lines(breakdown: list[dict]) -> list[dict]:
    """Breakdown lines with their raw value as people read it: a rate as 87.5%, a count or a
    mean (the pioneer index) as the number, no data as —; points and maximum without trailing 0."""
    from .sources import get_source

    for line in breakdown:
        raw = line.get("raw")
        src = get_source(line.get("source", ""))
        if raw is None:
            line["raw_shown"] = "—"
        elif line.get("num") is not None and (src is None or src.percent):
            line["raw_shown"] = _num(raw * 100) + "%"
        else:
            line["raw_shown"] = _num(raw)
        line["points_shown"] = _num(line.get("points"))
        line["max_shown"] = _num(line.get("max"))
    return breakdown


def fortress_of(*, user, org: Organization, year: int | None) -> dict:
    """The fortress index of ``org`` for ``year``: its own published result when it is a 党支部,
    and its branches' (a 党总支 has none of its own) — each with its star — plus the 党支部 that
    were not rated and why. Three queries whatever the tree."""
    out = {"year": year, "own": None, "branches": [], "unrated": [], "is_branch": False, "reason": ""}
    subjects = list(
        branch_subjects(Organization.objects.visible_to(user).filter(path__startswith=org.path))
        .order_by("path")
        .values("id", "name", "short_name", "path")
    )
    out["is_branch"] = any(s["id"] == org.pk for s in subjects)
    if year is None:
        out["reason"] = str(_("堡垒指数尚未发布。"))
        out["unrated"] = subjects
        return out
    rows = {
        r["organization_id"]: r
        for r in published_results(user=user, kind=FORTRESS)
        .filter(period=str(year), organization__path__startswith=org.path)
        .values(*RESULT_FIELDS, "breakdown", "innovation")
    }
    if not ScoreRun.objects.filter(kind=FORTRESS, period=str(year), status=RunStatus.PUBLISHED).exists():
        out["reason"] = str(_("%(y)s年度堡垒指数尚未发布。") % {"y": year})
    for s in subjects:
        r = rows.get(s["id"])
        if r is None:
            out["unrated"].append(s)
            continue
        r["star_text"] = star_text(r)
        r["breakdown"] = shown_lines(ScoreResult._meta.get_field("breakdown").to_python(r["breakdown"]))
        if s["id"] == org.pk:
            out["own"] = r
        else:
            out["branches"].append(r)
    if not out["reason"] and out["unrated"]:
        out["reason"] = str(_("未参加%(y)s年度堡垒指数评定（评定后新设立或当时未纳入计分）。") % {"y": year})
    return out


def _pct(n, d):
    """A share in per cent to one decimal, half up (6.25 → 6.3, as printed everywhere else)."""
    from decimal import ROUND_HALF_UP, Decimal

    return (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.1"), ROUND_HALF_UP) if d else None


def star_overview(*, user, scope: Organization, year: int | None) -> dict:
    """双五星 inside ``scope``: how many 党支部 got each star of the year's fortress index (一星…五星,
    rated below one star, 后进, not rated) and how many members got each star of their pioneer index
    (rated, five-star, not rated), with 五星支部 / 五星党员 shares. Five queries."""
    from members.models import CURRENT_STATUSES, Member, PioneerScore

    total_branches = branch_subjects(
        Organization.objects.visible_to(user).filter(path__startswith=scope.path)
    ).count()
    b_counts: dict[int, int] = {}
    lagging = 0
    if year is not None:
        for stars, lag, n in (
            published_results(user=user, kind=FORTRESS)
            .filter(period=str(year), organization__path__startswith=scope.path)
            .values_list("stars", "lagging")
            .annotate(n=Count("id"))
            .order_by()
        ):
            b_counts[stars] = b_counts.get(stars, 0) + n
            lagging += n if lag else 0
    b_rated = sum(b_counts.values())
    members_total = (
        Member.objects.visible_to(user)
        .filter(status__in=CURRENT_STATUSES, organization__path__startswith=scope.path)
        .count()
    )
    m_counts: dict[int, int] = {}
    if year is not None:
        m_counts = dict(
            PioneerScore.objects.visible_to(user)
            .filter(
                year=year,
                member__status__in=CURRENT_STATUSES,
                member__organization__path__startswith=scope.path,
            )
            .values_list("stars")
            .annotate(n=Count("id"))
            .order_by()
        )
    m_rated = sum(m_counts.values())

    def side(counts, rated, total):
        return {
            "counts": [(s, str(STAR_LABELS[s]), counts.get(s, 0)) for s in range(5, 0, -1)],
            "below": counts.get(0, 0),
            "rated": rated,
            "total": total,
            "unrated": max(total - rated, 0),
            "five": counts.get(5, 0),
            "five_share": _pct(counts.get(5, 0), rated),  # of those rated
            "coverage": _pct(rated, total),  # rated / all
        }

    return {
        "year": year,
        "scope": scope,
        "branches": {**side(b_counts, b_rated, total_branches), "lagging": lagging},
        "members": side(m_counts, m_rated, members_total),
    }


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


def fortress_by_township(*, user, year: int | None) -> list[dict]:
    """全地域 of 双五星: the year's fortress index per township — 党支部 rated, average, how many got
    each star, 后进, 五星 share. One grouped query."""
    if year is None:
        return []
    rows: dict = {}
    qs = (
        published_results(user=user, kind=FORTRESS)
        .filter(period=str(year))
        .values_list("township_id", "township__short_name", "township__name", "stars", "lagging")
        .annotate(n=Count("id"), avg=Avg("total"))
        .order_by()
    )
    for tid, short, name, stars, lag, n, avg in qs:
        t = rows.setdefault(tid, {"township_id": tid, "name": short or name or "", "n": 0, "sum": 0,
                                  "stars": {s: 0 for s in range(5, -1, -1)}, "lagging": 0})  # fmt: skip
        t["n"] += n
        t["sum"] += (avg or 0) * n
        t["stars"][stars if stars in t["stars"] else 0] += n
        t["lagging"] += n if lag else 0
    out = []
    for t in rows.values():
        t["avg"] = t["sum"] / t["n"] if t["n"] else None
        t["five_share"] = _pct(t["stars"][5], t["n"])
        t["star_cols"] = [t["stars"][s] for s in range(5, -1, -1)]
        out.append(t)
    return sorted(out, key=lambda t: (-(t["avg"] or 0), t["name"]))
