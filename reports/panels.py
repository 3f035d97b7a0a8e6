"""The organization page links to its four-"all" dashboard and its year-end report (no queries)."""

from branches.models import Level
from branches.registry import Panel

from .selectors import default_year


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
