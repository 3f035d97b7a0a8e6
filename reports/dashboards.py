"""The four-"all" dashboards (四全看板) and the city summary built on them.

Figures come from ``reports.selectors`` (which reads the owning apps' selectors); a fixed number of
queries whatever the number of units, and no model object per unit (5,000 for the city).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import selectors as assessments_selectors
from branches.models import Domain, Element, Level, Organization
from branches.scoping import scope_paths
from pilot.models import Function

from .selectors import (
    _pct,
    completion,
    completion_by,
    double_five_latest,
    findings,
    fortress_lagging,
    goals,
    lagging_list,
    rankings,
    satisfaction,
    units_under,
)

# --- the dashboards (四全) -----------------------------------------------------------------------


@dataclass
class Slice:
    """One row of a "全x" table: a township, a domain, an element or a function."""

    key: str
    label: str
    units: int = 0
    done: int = 0
    late: int = 0
    open: int = 0
    total: int = 0
    org_id: int | None = None
    scores: list = field(default_factory=list)

    @property
    def rate(self):
        return _pct(self.done, self.total)

    @property
    def late_rate(self):
        return _pct(self.late, self.total)

    @property
    def avg_score(self):
        s = [x for x in self.scores if x is not None]
        return (sum(Decimal(x) for x in s) / len(s)).quantize(Decimal("0.1")) if s else None


def _add(slice_: Slice, c: dict | None):
    if c:
        slice_.done += c["done"]
        slice_.late += c["late"]
        slice_.open += c["open"]
        slice_.total += c["total"]


def _dashboard_units(*, user, org: Organization) -> list[dict]:
    """The active units of ``units_under`` as plain rows (5,000 for the city: no model objects)."""
    return list(
        units_under(user=user, org=org).values("pk", "name", "code", "path", "domain", "township_id",
                                               "township__name")
    )  # fmt: skip


def _annual_scores(*, user, org: Organization, year: int) -> dict[int, Decimal]:
    """``{unit id: published annual total}`` inside ``org`` — the one figure the dashboard reads of
    the ranking (one query, no row shaping)."""
    return dict(
        assessments_selectors.published_results(user=user, kind="annual")
        .filter(period=str(year), organization__path__startswith=org.path)
        .values_list("organization_id", "total")
    )


# The page's figures over a whole city (2.4 million checklist rows a year, 5,000 units) change with
# every report; like the home page's member rates, the page shows them up to a minute old (it says
# when they were computed) instead of aggregating on every visit. The export reads them fresh.
DASHBOARD_TTL = 60


def dashboard_cached(*, user, org: Organization, year: int) -> dict:
    """``dashboard`` through the cache, one entry per organization, year and what the viewer sees."""
    seen = hashlib.sha256("|".join(scope_paths(user)).encode()).hexdigest()[:16]
    key = f"reports:dashboard:{org.pk}:{year}:{seen}"
    data = cache.get(key)
    if data is None:
        data = dashboard(user=user, org=org, year=year)
        cache.set(key, data, DASHBOARD_TTL)
    data["org"] = org
    return data


def dashboard(*, user, org: Organization, year: int) -> dict:
    """The four "all"s for ``org`` (city, township or unit) and headline rates against targets."""
    units = _dashboard_units(user=user, org=org)
    comp = completion(org=org, year=year)
    scores = _annual_scores(user=user, org=org, year=year)
    domains = {k: str(v) for k, v in Domain.choices}  # labels looked up once, not per unit
    other, city_level = _("其他"), _("市直")
    by_town: dict[int, Slice] = {}
    by_domain: dict[str, Slice] = {}
    unit_rows = []
    for u in units:
        c = comp.get(u["pk"])
        tkey = u["township_id"] or 0
        town = by_town.get(tkey)
        if town is None:
            town = by_town[tkey] = Slice(
                str(tkey), u["township__name"] or city_level, org_id=u["township_id"]
            )
        dom = by_domain.get(u["domain"])
        if dom is None:
            dom = by_domain[u["domain"]] = Slice(u["domain"], domains.get(u["domain"], other))
        score = scores.get(u["pk"])
        for sl in (town, dom):
            sl.units += 1
            _add(sl, c)
            sl.scores.append(score)
        unit_rows.append(
            {
                "pk": u["pk"],
                "name": u["name"],
                "code": u["code"],
                "path": u["path"],
                "township": u["township__name"] or "",
                "domain": domains.get(u["domain"], u["domain"]),
                "rate": c["rate"] if c else None,
                "done": c["done"] if c else 0,
                "late": c["late"] if c else 0,
                "open": c["open"] if c else 0,
                "score": score,
            }
        )
    by_element = _slices(Element.choices, completion_by(org=org, year=year, field_name="element"))
    by_function = _slices(Function.choices, completion_by(org=org, year=year, field_name="function"))
    ranked = sorted((r for r in unit_rows if r["rate"] is not None), key=lambda r: (-r["rate"], r["path"]))
    totals = Slice("all", org.name, units=len(units))
    for c in comp.values():
        _add(totals, c)
    return {
        "org": org,
        "year": year,
        "units": unit_rows,
        "totals": totals,
        "by_township": sorted(by_town.values(), key=lambda sl: sl.label) if org.level != Level.UNIT else [],
        "by_domain": sorted(
            by_domain.values(), key=lambda sl: list(domains).index(sl.key) if sl.key in domains else 99
        ),
        "by_element": by_element,
        "by_function": by_function,
        "fastest": ranked[:5],
        "slowest": list(reversed(ranked[-5:])) if len(ranked) > 5 else list(reversed(ranked)),
        "headline": headline(user=user, org=org, year=year, totals=totals),
        "double_five": double_five_latest(user=user, org=org, year=year),
        "computed_at": timezone.now(),
    }


def _slices(keys, data: dict) -> list[Slice]:
    out = []
    for k, label in keys:
        sl = Slice(k, str(label))
        c = data.get(k)
        if c:
            sl.units = c["units"]
            _add(sl, c)
        out.append(sl)
    return out


def headline(*, user, org: Organization, year: int, totals: Slice) -> list[dict]:
    """Headline rates against the year's targets: the plan's goals (pilot) plus rectification on
    time and mass satisfaction (assessments)."""
    rows = goals(org=org, year=year)
    f = findings(user=user, org=org, year=year)
    sat = satisfaction(user=user, org=org, year=year)
    rows.append({"key": "rectify", "label": _("问题按期整改率（%）"), "value": f["on_time_rate"] if f else None,
                 "target": None, "met": False, "pct": True})  # fmt: skip
    rows.append({"key": "satisfaction", "label": _("群众满意度（%）"), "value": sat["rate"] if sat else None,
                 "target": None, "met": False, "pct": True})  # fmt: skip
    if not any(r["key"] == "checklist_completion" for r in rows):
        rows.append({"key": "checklist_completion", "label": _("一月一清单完成率（%）"), "value": totals.rate,
                     "target": None, "met": False, "pct": True})  # fmt: skip
    return rows


def city_summary(*, user, org: Organization, year: int) -> dict:
    """The city (or township) summary: townships and domains side by side, rankings, lagging list."""
    data = dashboard(user=user, org=org, year=year)
    data.update(
        {
            "rankings": rankings(user=user, org=org, year=year),
            "lagging": lagging_list(user=user, org=org, year=year),
            "fortress_lagging": fortress_lagging(user=user, org=org, year=year),
            "generated_at": timezone.localtime(),
            "issuer": _("中共示范市委组织部"),
        }
    )
    return data
