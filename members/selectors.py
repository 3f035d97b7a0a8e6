"""Reads on members, always from the user's scope; rates other apps call are set-based.

For other apps (dashboards, year-end reports, assessments):

- ``member_rates(org_paths=[...], year=2025)`` → ``{path: Rates}`` — members, probationary,
  e-ID authenticated and rate, five-star coverage (share of current members rated that year),
  five-star members, members in difficulty — for each organization's whole subtree, from three
  grouped queries whatever the number of paths (prefix sums over the path order).
- ``pioneer_scores(org_paths=[...], year=2025)`` → a QuerySet of ``PioneerScore`` in those
  subtrees (``member`` and ``member__organization`` selected), for lists and results pages.
- ``care_totals(org_paths=[...], year=2025)`` → ``{path: CareTotals}``.

They take paths, not a user: the caller has already scoped the organizations it asks about.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from branches.audit import audit_for
from branches.models import AuditAction, Organization
from branches.scoping import get_visible_or_404

from .models import (
    CURRENT_STATUSES,
    CarePayment,
    CareVisit,
    Category,
    Member,
    PioneerScore,
)


@dataclass
class Rates:
    members: int = 0
    probationary: int = 0
    eid: int = 0
    rated: int = 0
    five_star: int = 0
    difficulty: int = 0

    @property
    def eid_rate(self) -> float:
        return self.eid / self.members if self.members else 0.0

    @property
    def five_star_coverage(self) -> float:
        return self.rated / self.members if self.members else 0.0


@dataclass
class CareTotals:
    visits: int = 0
    payments: int = 0
    amount: Decimal = Decimal(0)


def prefix_q(paths, field: str) -> Q:
    """``field`` starts with one of ``paths`` (no paths → nothing)."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


class _Rollup:
    """Per-organization rows summed over subtrees by prefix sums over the path order."""

    def __init__(self, prefixes, per_org: dict[int, tuple], width: int):
        orgs = list(
            Organization.objects.filter(prefix_q(prefixes, "path")).order_by("path").values_list("id", "path")
        )
        self.paths = [p for _i, p in orgs]
        self.cum = [(0,) * width]
        zero = (0,) * width
        for oid, _p in orgs:
            row = per_org.get(oid, zero)
            self.cum.append(tuple(a + b for a, b in zip(self.cum[-1], row, strict=True)))

    def for_path(self, path: str) -> tuple:
        lo = bisect_left(self.paths, path)
        hi = bisect_left(self.paths, path + "\x7f")
        return tuple(b - a for a, b in zip(self.cum[lo], self.cum[hi], strict=True))


def member_rates(*, org_paths, year: int) -> dict[str, Rates]:
    """Headline member figures for each organization subtree (three queries)."""
    org_paths = list(org_paths)
    if not org_paths:
        return {}
    # The subtrees' organization ids first (the path index), then the members by the covering
    # (organization, status, …) index: the path LIKE joined to every member made SQLite read all
    # 150,000 of them for a village's home (120 ms → 5 ms; six units 190 → 13 ms). The whole city
    # needs no filter at all.
    current = Member.objects.filter(status__in=CURRENT_STATUSES)
    rated = PioneerScore.objects.filter(year=year, member__status__in=CURRENT_STATUSES)
    if "" not in org_paths:
        orgs = Organization.objects.filter(prefix_q(org_paths, "path")).values("pk")
        current = current.filter(organization__in=orgs)
        rated = rated.filter(member__organization__in=orgs)
    rows = (
        current.values("organization_id")
        .annotate(
            n=Count("id"),
            p=Count("id", filter=Q(category=Category.PROBATIONARY)),
            e=Count("id", filter=Q(eid_authenticated=True)),
            d=Count("id", filter=Q(in_difficulty=True)),
        )
        .order_by()
    )
    per_org = {r["organization_id"]: [r["n"], r["p"], r["e"], 0, 0, r["d"]] for r in rows}
    rated = (
        rated.values("member__organization_id")
        .annotate(r=Count("id"), f=Count("id", filter=Q(stars=5)))
        .order_by()
    )
    for r in rated:
        row = per_org.setdefault(r["member__organization_id"], [0] * 6)
        row[3], row[4] = r["r"], r["f"]
    roll = _Rollup(org_paths, {k: tuple(v) for k, v in per_org.items()}, 6)
    return {p: Rates(*roll.for_path(p)) for p in org_paths}


# Headline figures over a whole subtree (the city: 150,000 members) change slowly; the home page,
# the dashboards' goals and the e-ID / five-star coverage show them up to a minute old rather than
# aggregating on every visit (0.42 s for the city on PostgreSQL at benchmark scale).
MEMBER_RATES_TTL = 60


def member_rates_cached(*, org_paths, year: int) -> dict[str, Rates]:
    """``member_rates`` through the cache (``MEMBER_RATES_TTL`` seconds), one entry per set of paths."""
    org_paths = list(org_paths)
    key = f"members:rates:{year}:{'|'.join(org_paths)}"
    rates = cache.get(key)
    if rates is None:
        rates = member_rates(org_paths=org_paths, year=year)
        cache.set(key, rates, MEMBER_RATES_TTL)
    return rates


def pioneer_scores(*, org_paths, year: int):
    """Pioneer index rows of a year in the given subtrees, best first."""
    return (
        PioneerScore.objects.filter(year=year)
        .filter(prefix_q(org_paths, "member__organization__path"))
        .select_related("member", "member__organization", "scheme")
        .order_by("-total", "member__name")
    )


def care_totals(*, org_paths, year: int) -> dict[str, CareTotals]:
    """Visits and care-fund payments of a year, per organization subtree (three queries)."""
    org_paths = list(org_paths)
    if not org_paths:
        return {}
    per_org: dict[int, list] = {}
    visits = (
        CareVisit.objects.filter(visited_on__year=year)
        .filter(prefix_q(org_paths, "member__organization__path"))
        .values("member__organization_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in visits:
        per_org.setdefault(r["member__organization_id"], [0, 0, Decimal(0)])[0] = r["n"]
    pays = (
        CarePayment.objects.filter(paid_on__year=year)
        .filter(prefix_q(org_paths, "member__organization__path"))
        .values("member__organization_id")
        .annotate(n=Count("id"), s=Sum("amount"))
        .order_by()
    )
    for r in pays:
        row = per_org.setdefault(r["member__organization_id"], [0, 0, Decimal(0)])
        row[1], row[2] = r["n"], r["s"] or Decimal(0)
    roll = _Rollup(org_paths, {k: tuple(v) for k, v in per_org.items()}, 3)
    return {p: CareTotals(*roll.for_path(p)) for p in org_paths}


# --- user-facing reads ------------------------------------------------------------------------


def member_list(*, user, filters: dict):
    """The roster a user may see, filtered. ``filters`` comes from ``MemberFilterForm``."""
    qs = Member.objects.visible_to(user).select_related("organization")
    org = filters.get("organization")
    if org is not None:
        qs = qs.in_subtree(org)
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__contains=q))
    if filters.get("rid"):  # a full resident ID, already turned into its blind index by the view
        qs = qs.filter(resident_id_hash=filters["rid"])
    status = filters.get("status") or "current"
    if status == "current":
        qs = qs.current()
    elif status != "all":
        qs = qs.filter(status=status)
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("eid") in ("yes", "no"):
        qs = qs.filter(eid_authenticated=filters["eid"] == "yes")
    if filters.get("difficulty"):
        qs = qs.filter(in_difficulty=True)
    return qs.order_by("organization__path", "name", "id")


def member_get(*, user, member_id) -> Member:
    return get_visible_or_404(Member.objects.visible_to(user).select_related("organization"), pk=member_id)


def _action_label(code: str) -> str:
    """The audit vocabulary's own (translated) label; one list of actions, not a copy per page."""
    try:
        return AuditAction(code).label
    except ValueError:
        return code


_FIELD_LABELS = {f.name: str(f.verbose_name) for f in Member._meta.fields}


def _shown(choices: dict, value):
    """A changed value as the page shows it: a choice's label, 是/否, never the stored code."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(choices.get(value, value))


def _history_rows(events) -> list[dict]:
    rows = []
    from .models_life import Development

    choices = {
        f.name: dict(f.flatchoices) for m in (Development, Member) for f in m._meta.fields if f.choices
    }
    for e in events:
        items = []
        for k, v in (e.changes or {}).items():
            label = _FIELD_LABELS.get(k, k)
            if isinstance(v, list) and len(v) == 2:
                old, new = (_shown(choices.get(k, {}), x) for x in v)
                items.append(f"{label}：{old} → {new}" if old != "" else f"{label}：{new}")
            else:
                items.append(f"{label}：{_shown(choices.get(k, {}), v)}")
        rows.append({"at": e.at, "actor": e.actor, "action": _action_label(e.action), "items": items})
    return rows


def member_detail(*, member: Member, year: int) -> dict:
    """What the member page shows besides the member (fixed number of queries)."""
    return {
        "history": _history_rows(audit_for(member).order_by("-at")[:50]),
        "visits": list(member.care_visits.all()[:20]),
        "payments": list(member.care_payments.all()[:20]),
        "scores": list(member.pioneer_scores.select_related("scheme").order_by("-year")[:5]),
    }
