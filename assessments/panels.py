"""Home page: overdue rectification escalated to the level above. Org page: scores and survey link."""

from branches.registry import Panel
from branches.scoping import can_manage

from . import selectors


def home_panels(request):
    rows = selectors.escalated_for_home(user=request.user)
    if not rows:
        return []
    return [Panel("assessments/_panel_escalated.html", {"rows": rows[:20], "more": len(rows) > 20}, order=15)]


def org_panels(request, org):
    period = selectors.latest_published_period()
    result = selectors.unit_result(user=request.user, org=org, period=period) if period else None
    return [
        Panel(
            "assessments/_panel_org.html",
            {"org": org, "result": result, "period": period, "can_manage": can_manage(request.user, org)},
            order=40,
        )
    ]
