"""Member figures on the organization page and the home page (fixed number of queries)."""

from django.db.models import Max
from django.utils import timezone

from branches.policy import Action, allows
from branches.registry import Panel

from . import panels_life
from .models import PioneerScheme, SchemeStatus
from .selectors import care_totals, member_rates, member_rates_cached


def rating_year() -> int:
    """The latest year with a published pioneer scheme (the current year if none)."""
    today = timezone.localdate().year
    y = PioneerScheme.objects.filter(status=SchemeStatus.PUBLISHED, year__lte=today).aggregate(y=Max("year"))[
        "y"
    ]
    return y or today


def org_panels(request, org):
    from branches.models import Organization

    year = rating_year()
    children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path"))
    paths = [org.path] + [c.path for c in children]
    rates = member_rates(org_paths=paths, year=year)
    care = care_totals(org_paths=[org.path], year=year)[org.path]
    rows = [(c, rates[c.path]) for c in children]
    return [
        Panel(
            "members/_panel_org.html",
            {
                "org": org,
                "year": year,
                "rates": rates[org.path],
                "care": care,
                "rows": rows,
                "can_manage": allows(request.user, Action.MANAGE, org),
            },
            order=30,
        )
    ] + panels_life.org_panels(request, org)


def home_panels(request):
    from branches.selectors import my_organizations

    roots = my_organizations(user=request.user)
    if not roots:
        return []
    year = rating_year()
    paths = [r.path for r in roots]
    rates = member_rates_cached(org_paths=paths, year=year)  # up to a minute old
    return [
        Panel(
            "members/_panel_home.html", {"year": year, "rows": [(r, rates[r.path]) for r in roots]}, order=30
        )
    ] + panels_life.home_panels(request)
