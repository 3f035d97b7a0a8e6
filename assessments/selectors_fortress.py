"""双指数 / 双五星 reads: the fortress index of branches, the stars of branches and members (re-exported by selectors)."""

from __future__ import annotations

from django.db.models import Avg, Count
from django.utils.translation import gettext_lazy as _

from branches.models import Organization

from .models import (
    RunStatus,
    SchemeKind,
    ScoreResult,
    ScoreRun,
)
from .selectors_published import RESULT_FIELDS, latest_published_period, published_results

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
