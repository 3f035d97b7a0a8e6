"""Reads for the year-end reports and the four-"all" dashboards (四全看板).

Every user-facing read starts from ``Organization.objects.visible_to(user)``; the figures come
from the other apps' selectors, imported plainly (the same numbers as their pages).
Each function makes a fixed number of queries whatever the number of units.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import selectors as assessments_selectors
from branches.models import Domain, Level, Organization, OrgStatus
from branches.policy import Scope
from branches.scoping import get_visible_or_404
from members import selectors as members_selectors
from pilot import selectors as pilot_selectors
from pilot.models import Brand, CollectiveIncome, Honor, ServiceCenterProject, late_q


def default_year() -> int:
    """The year-end report of last year (this year from December) — but never a year after the
    plan's latest year with tasks, so the dashboards open on the same year as the checklist."""
    from pilot.selectors import default_year as plan_year

    today = timezone.localdate()
    return min(today.year if today.month >= 12 else today.year - 1, plan_year())


def org_get(*, user, org_id) -> Organization:
    """An organization the user may see (404 for missing and forbidden alike)."""
    return get_visible_or_404(Organization.objects.visible_to(user).select_related("township"), pk=org_id)


def unit_get(*, user, org_id) -> Organization:
    """A unit (基层党组织) whose report the user may download: its own, its township's, or any (city)."""
    org = org_get(user=user, org_id=org_id)
    if org.level != Level.UNIT:
        raise Http404
    return org


def units_under(*, user, org: Organization):
    """The active units in ``org``'s subtree that the user may see, with their township."""
    return (
        Organization.objects.visible_to(user)
        .filter(path__startswith=org.path, level=Level.UNIT, status=OrgStatus.ACTIVE)
        .select_related("township")
        .order_by("township__path", "path")
    )


def city_root() -> Organization | None:
    return Organization.objects.filter(depth=1).order_by("path").first()


# --- figures from the other apps ------------------------------------------------------------------
# Each function calls the owning app's selector with the viewer (so its scoping applies) and
# reshapes the answer for the templates.


def _pct(n, d) -> Decimal | None:
    if not d:
        return None
    return (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.1"))


def _year_range(year: int):
    return date(year, 1, 1), date(year, 12, 31)


def unit_result(*, user, org: Organization, year: int) -> dict | None:
    """Annual result (score, grade, stars, ranks, breakdown), the half-year and quarterly scores."""
    fn = assessments_selectors.unit_result
    r = fn(user=user, org=org, period=str(year), kind="annual")
    quarters = []
    for q in assessments_selectors.unit_trend(user=user, org=org, year=year, kind="supervision"):
        row = q.get("row") or {}
        quarters.append(
            {
                "label": f"{q['period'][-1]}季度",
                "period": q["period"],
                "total": row.get("total"),
                "grade": row.get("grade_label", ""),
                "rank_township": row.get("rank_township"),
                "rank_city": row.get("rank_city"),
            }
        )
    halves = [
        (label, h.total if h else None)
        for label, h in (
            (_("上半年"), fn(user=user, org=org, period=f"{year}H1", kind="half_year")),
            (_("全年"), fn(user=user, org=org, period=f"{year}H2", kind="half_year")),
        )
    ]
    if r is None and not any(q["total"] is not None for q in quarters):
        return None
    return {
        "obj": r,
        "score": r.total if r else None,
        "grade": r.grade_label if r else "",
        "stars": r.stars if r else None,
        "base": r.base if r else None,
        "bonus": r.bonus if r else None,
        "deduction": r.deduction if r else None,
        "rank_township": r.rank_township if r else None,
        "rank_city": r.rank_city if r else None,
        "rank_domain": r.rank_domain if r else None,
        "veto": r.vetoed if r else False,
        "lagging": r.lagging if r else False,
        "scheme": (r.scheme_version if r else ""),
        "breakdown": [
            {
                "label": b.get("name", ""),
                "weight": b.get("max"),
                "points": b.get("points"),
                "note": "一票否决" if b.get("vetoed") else "",
            }
            for b in ((r.breakdown if r else None) or [])
        ],
        "quarters": quarters,
        "halves": halves,
    }


def fortress(*, user, org: Organization, year: int) -> dict | None:
    """堡垒指数 of the unit (if it is a 党支部) and of its branches, with stars and the 党支部 not
    rated and why (``assessments.selectors.fortress_of``)."""
    return assessments_selectors.fortress_of(user=user, org=org, year=year)


def double_five(*, user, org: Organization, year: int) -> dict | None:
    """双五星 inside ``org``: the stars of the 党支部 and of the members, five-star shares
    (``assessments.selectors.star_overview``)."""
    return assessments_selectors.star_overview(user=user, scope=org, year=year)


def double_five_latest(*, user, org: Organization, year: int) -> dict | None:
    """双五星 of ``year`` — or, while that year's fortress index is not yet published (a dashboard
    opened in December on the year not yet assessed), of the latest year before it that is; the
    result names the year it shows."""
    shown = assessments_selectors.fortress_year(upto=year) or year
    return double_five(user=user, org=org, year=shown)


def findings(*, user, org: Organization, year: int) -> dict | None:
    """The year's findings: the counts over all of them (one aggregate), the table lists the first
    ``FINDINGS_LISTED`` and says so when there are more — never a total counted from a cut list."""
    qs = assessments_selectors.findings_query(user=user, org=org, period=str(year))
    n = qs.aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(closed_at__isnull=False)),
        on_time=Count("id", filter=Q(closed_at__isnull=False, closed_on_time=True)),
    )
    return {
        "rows": list(qs[:FINDINGS_LISTED]),
        "listed": min(n["total"], FINDINGS_LISTED),
        "cut": n["total"] > FINDINGS_LISTED,
        **n,
        "on_time_rate": _pct(n["on_time"], n["total"]),
    }


FINDINGS_LISTED = 200


def satisfaction(*, user, org: Organization, year: int) -> dict | None:
    s = assessments_selectors.survey_summary(user=user, org=org, period=str(year))
    if not s.get("n"):
        return None
    return {
        "n": s["n"],
        "rate": (Decimal(str(s["score"])) * 100).quantize(Decimal("0.1"))
        if s.get("score") is not None
        else None,
        "counts": s.get("counts", {}),
    }


def duty_rating(*, user, org: Organization, year: int) -> dict | None:
    """述职评议: the year's duty report and how members and the public rated it."""
    return assessments_selectors.duty_rating_summary(user=user, org=org, year=year)


def rankings(*, user, org: Organization, year: int) -> list[dict]:
    fn = assessments_selectors.rankings
    domains = dict(Domain.choices)
    return [
        {
            "rank": (r["rank_township"] if org.level == Level.TOWNSHIP else r["rank_city"]) or i,
            "org_id": r["organization_id"],
            "name": r["organization__name"],
            "township": r["township__short_name"] or "",
            "domain": str(domains.get(r["domain"], r["domain"])),
            "score": r["total"],
            "stars": r["stars"],
            "grade": r["grade_label"],
        }
        for i, r in enumerate(fn(user=user, scope=org, period=str(year), kind="annual"), 1)
    ]


def lagging_list(*, user, org: Organization, year: int) -> list[dict]:
    fn = assessments_selectors.lagging_list
    return [
        {
            "name": r["organization__name"],
            "township": r["township__short_name"] or "",
            "score": r["total"],
            "reason": _("一票否决") if r["vetoed"] else r["grade_label"],
        }
        for r in fn(user=user, scope=org, period=str(year), kind="annual")
    ]


def fortress_lagging(*, user, org: Organization, year: int) -> list[dict]:
    """后进党支部 of the year's fortress index with their 整改方案."""
    return assessments_selectors.lagging_with_plans(user=user, scope=org, period=str(year), kind="fortress")


def _comp_dict(c) -> dict:
    done, due = c.accepted, c.due
    return {
        "done": done,
        "submitted": c.submitted,
        "late": c.late,
        "open": max(due - c.submitted, 0),
        "total": due,
        "rate": _pct(done, due),
    }


def completion(*, org: Organization, year: int) -> dict[int, dict]:
    """``{org_id: {done, late, open, total, rate}}`` from ``pilot.selectors.completion_by_org``."""
    start, end = _year_range(year)
    return {
        oid: _comp_dict(c) for oid, c in pilot_selectors.completion_by_org(start, end, Scope.of(org)).items()
    }


def completion_by(*, org: Organization, year: int, field_name: str) -> dict[str, dict]:
    """Checklist items of ``pilot.selectors.items_in`` grouped by task element or function."""
    start, end = _year_range(year)
    rows = (
        pilot_selectors.items_in(start, end, Scope.of(org))
        .values(f"task__{field_name}")
        .annotate(
            due=Count("id"),
            units=Count("organization", distinct=True),
            accepted=Count("id", filter=Q(status="accepted")),
            submitted=Count("id", filter=Q(status__in=["submitted", "accepted"])),
            late=Count("id", filter=late_q(timezone.localdate())),
        )
        .order_by()
    )
    return {
        r[f"task__{field_name}"]: {
            "done": r["accepted"],
            "late": r["late"],
            "open": max(r["due"] - r["submitted"], 0),
            "total": r["due"],
            "rate": _pct(r["accepted"], r["due"]),
            "units": r["units"],
        }
        for r in rows
    }


def member_rates(*, org: Organization, year: int) -> dict | None:
    """Members, e-ID rate, five-star rating coverage, in difficulty, care (``members.selectors``)."""
    r = members_selectors.member_rates(org_paths=[org.path], year=year).get(org.path)
    if r is None:
        return None
    c = members_selectors.care_totals(org_paths=[org.path], year=year).get(org.path)
    return {
        "count": r.members,
        "eid_rate": _pct(r.eid, r.members),
        "five_star_rate": _pct(r.rated, r.members),
        "five_star": r.five_star,
        "difficulty": r.difficulty,
        "care_visits": c.visits if c else None,
        "care_payments": c.payments if c else None,
        "care_amount": c.amount if c else None,
    }


def pilot_unit_extras(*, user, org: Organization, year: int) -> dict:
    """Collective income vs target, brands, honors and service centers recorded in ``pilot``."""
    out = {"income": None, "brands": [], "honors": [], "centers": []}
    out["income"] = CollectiveIncome.objects.visible_to(user).filter(organization=org, year=year).first()
    out["brands"] = [b.name for b in Brand.objects.visible_to(user).filter(organization=org).published()]
    out["honors"] = [
        f"{h.awarded_on:%Y年%-m月} {h.get_level_display()} {h.title}"
        for h in Honor.objects.visible_to(user)
        .filter(organization=org, awarded_on__year=year)
        .order_by("awarded_on")
    ]
    out["centers"] = list(ServiceCenterProject.objects.visible_to(user).filter(organization=org, year=year))
    return out


def goals(*, org: Organization, year: int) -> list[dict]:
    """The year's targets (年度目标) and their attainment in ``org``'s subtree, from ``pilot``."""
    py = pilot_selectors.current_plan_year(year)
    if py is None or py.year != year:
        return []
    return [
        {
            "key": g.goal.metric,
            "label": g.goal.name,
            "value": g.actual,
            "target": g.goal.target_value,
            "met": bool(g.attained),
            "pct": g.goal.metric not in ("centers_built", "brands_published"),
        }
        for g in pilot_selectors.goal_attainment(scope=Scope.of(org), plan_year=py)
    ]


# --- the reports ---------------------------------------------------------------------------------


def unit_report(*, user, org: Organization, year: int) -> dict:
    """Everything the unit's year-end report shows (one selector call per section)."""
    comp = completion(org=org, year=year).get(org.pk)
    if comp is not None:
        comp["by_element"] = completion_by(org=org, year=year, field_name="element")
    return {
        "org": org,
        "year": year,
        "township": org.township,
        "result": unit_result(user=user, org=org, year=year),
        "fortress": fortress(user=user, org=org, year=year),
        "double_five": double_five(user=user, org=org, year=year),
        "completion": comp,
        "findings": findings(user=user, org=org, year=year),
        "members": member_rates(org=org, year=year),
        "satisfaction": satisfaction(user=user, org=org, year=year),
        "duty": duty_rating(user=user, org=org, year=year),
        "extras": pilot_unit_extras(user=user, org=org, year=year),
        "generated_at": timezone.localtime(),
        "issuer": _("中共示范市委组织部"),
    }
