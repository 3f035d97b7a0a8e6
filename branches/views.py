from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors
from .registry import home_panels, org_panels
from .scoping import role_grants


def _role_summary(user) -> list[tuple[str, int]]:
    """Each kind of role once, with how many organizations it is held in (an inspector with six
    assigned units reads "督查组成员（6 个单位）", not the title six times)."""
    counts: dict[str, int] = {}
    for g in role_grants(user):
        counts[g.kind] = counts.get(g.kind, 0) + 1
    return list(counts.items())


@login_required
def home(request):
    return render(
        request,
        "branches/home.html",
        {
            "overview": selectors.home_overview(user=request.user),
            "panels": home_panels(request),
            "role_summary": _role_summary(request.user),
        },
    )


@login_required
def org_detail(request, org_id: int):
    org = selectors.organization_get(user=request.user, org_id=org_id)
    ctx = selectors.organization_detail(user=request.user, org=org)
    return render(
        request, "branches/org_detail.html", {"org": org, **ctx, "panels": org_panels(request, org)}
    )


@login_required
def org_search(request):
    term = request.GET.get("q", "").strip()
    return render(
        request,
        "branches/org_search.html",
        {"term": term, "results": selectors.organization_search(user=request.user, term=term)},
    )
