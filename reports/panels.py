"""The organization page links to its four-"all" dashboard and its year-end report (no queries).
The department's and a township secretary's home show 双五星 — the stars of the 党支部 and of the
members in their scope — as SVG charts (five queries per scope, at most two scopes)."""

from django.core.cache import cache

from assessments.selectors import fortress_year
from branches.models import Level
from branches.policy import Action, role_orgs
from branches.registry import Panel

from . import charts
from .selectors import default_year, double_five

#: At most this many scopes (a person may be the level above in more than one place).
HOME_SCOPES = 2


def home_panels(request):
    # The scopes whose role makes the person the level above (the department, a township
    # secretary): their home shows the stars of what is below them.
    orgs = list(role_orgs(request.user, Action.REVIEW).order_by("path")[:HOME_SCOPES])
    if not orgs:
        return []
    year = fortress_year() or default_year()
    panels = []
    for org in orgs:
        # 双五星 over a whole township or the city (150,000 members) changes slowly: shown up to a
        # minute old rather than counted on every visit (as the members panel does). The figures
        # are those of the role's own subtree, the same for everyone holding it.
        key = f"reports:home-stars:{year}:{org.path}"
        ov = cache.get(key)
        if ov is None:
            ov = double_five(user=request.user, org=org, year=year)
            cache.set(key, ov, 60)
        if ov is None:
            continue
        panels.append(
            Panel(
                "reports/_panel_home_stars.html",
                {"org": org, "year": year, "ov": ov, "charts": charts.double_five_charts(ov)},
                order=25,
            )
        )
    return panels


def org_panels(request, org):
    if org.level not in (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.UNIT):
        return []
    return [
        Panel(
            "reports/_panel_org.html",
            {"org": org, "year": default_year(), "is_unit": org.level == Level.UNIT},
            order=60,
        )
    ]
