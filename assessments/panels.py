"""Home page: 我的得分 (the latest published score of the units the person acts for), the unit
secretary's fortress index. Org page: scores, the fortress index (堡垒指数) and survey link. Fixed number of queries."""

from branches.models import Level
from branches.policy import Action, allows, may_anywhere, role_orgs
from branches.registry import Panel

from . import selectors
from .my_score import my_scores

#: A person with unit-secretary roles in several units sees at most this many fortress cards.
HOME_FORTRESS_CARDS = 3


def home_panels(request):
    panels = []
    # The department: periods the quarter-end job could not compute (no published scheme).
    if may_anywhere(request.user, Action.ADMINISTER):
        from .tasks import quarter_end_gaps

        gaps = quarter_end_gaps()
        if gaps:
            panels.append(Panel("assessments/_panel_quarter_end.html", {"gaps": gaps}, order=5))
    # Escalated overdue rectification is on the to-do list (pilot.todo); 我的得分 comes next.
    cards = my_scores(user=request.user)
    if cards:
        panels.append(Panel("assessments/_panel_my_score.html", {"cards": cards}, order=2))
    # The units the person acts for themselves (a unit's secretary), not the level above.
    own = role_orgs(request.user, Action.REPORT).filter(level__in=[Level.UNIT, Level.BRANCH, Level.GROUP])
    orgs = list(own.order_by("path")[:HOME_FORTRESS_CARDS])
    if orgs:
        year = selectors.fortress_year()
        for org in orgs:
            panels.append(
                Panel(
                    "assessments/_panel_fortress.html",
                    {
                        "org": org,
                        "year": year,
                        "f": selectors.fortress_of(user=request.user, org=org, year=year),
                    },
                    order=20,
                )
            )
    return panels


def org_panels(request, org):
    period = selectors.latest_published_period()
    result = selectors.unit_result(user=request.user, org=org, period=period) if period else None
    year = selectors.fortress_year()
    fortress = None
    overview = None
    if org.level in (Level.UNIT, Level.BRANCH):
        fortress = selectors.fortress_of(user=request.user, org=org, year=year)
    elif org.level in (Level.CITY, Level.COUNTY, Level.TOWNSHIP):
        overview = selectors.star_overview(user=request.user, scope=org, year=year)
    return [
        Panel(
            "assessments/_panel_org.html",
            {
                "org": org,
                "result": result,
                "period": period,
                "can_manage": allows(request.user, Action.MANAGE, org),
                "fortress": fortress,
                "overview": overview,
                "year": year,
            },
            order=40,
        )
    ]
