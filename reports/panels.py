"""The organization page links to its four-"all" dashboard and its year-end report (no queries).
The department's and a township secretary's home show 双五星 — the stars of the 党支部 and of the
members in their scope — as SVG charts (five queries per scope, at most two scopes)."""

from branches.models import Level
from branches.registry import Panel
from branches.scoping import role_grants

from . import charts
from .selectors import default_year, double_five

#: Roles whose home shows the star distribution of their scope, and how many scopes at most.
OVERVIEW_ROLES = ("city_admin", "township_secretary")
HOME_SCOPES = 2


def home_panels(request):
    from branches.models import Organization

    ids = [g.organization_id for g in role_grants(request.user) if g.kind in OVERVIEW_ROLES][:HOME_SCOPES]
    if not ids:
        return []
    from assessments.selectors import fortress_year

    year = fortress_year() or default_year()
    panels = []
    for org in Organization.objects.visible_to(request.user).filter(id__in=ids).order_by("path"):
        ov = double_five(user=request.user, org=org, year=year)
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
