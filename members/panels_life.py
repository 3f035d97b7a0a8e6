"""Home and organization panels for development, transfers and floating members (fixed queries)."""

from __future__ import annotations

from django.utils import timezone

from branches.registry import Panel

from . import development as dev_rules


def home_panels(request) -> list[Panel]:
    """Floating members not contacted lately. 发展党员 steps due and transfers to accept are entries
    of the home page's to-do list (``pilot.todo``)."""
    today = timezone.localdate()
    panels = []
    from . import floating

    late = floating.not_contacted(user=request.user, today=today)
    if late:
        panels.append(Panel("members/_panel_home_floating.html", {"late": late}, order=33))
    return panels


def org_panels(request, org) -> list[Panel]:
    """Stage counts of development for the organization and each child (one grouped query)."""
    from branches.models import Organization

    children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path"))
    counts = dev_rules.stage_counts(org_paths=[org.path] + [c.path for c in children])
    from .models_life import DevStage

    rows = [(o, [counts[o.path][s] for s in DevStage.values]) for o in [org] + children]
    panels = []
    if any(sum(c) for _o, c in rows):
        panels.append(
            Panel(
                "members/_panel_org_life.html",
                {"org": org, "rows": rows, "stages": DevStage.choices},
                order=31,
            )
        )
    from . import floating

    fc = floating.floating_counts(org_paths=[org.path] + [c.path for c in children])
    if fc[org.path]["out"] or fc[org.path]["in"]:
        rows_fc = [(o, fc[o.path]) for o in [org] + children]
        panels.append(Panel("members/_panel_org_floating.html", {"rows": rows_fc}, order=32))
    return panels
