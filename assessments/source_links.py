"""Where "the source of every point" links to: the page holding the rows behind an indicator, for
the unit and *for the period scored* — 合格支部标准 opens the standards of that year, 组织活动 the
activities of that quarter, 一月一清单 the checklist of the period's first month."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse

from .scoring import parse_period


def source_links(org, period: str) -> dict[str, str]:
    p = parse_period(period)
    unit, name = f"org={org.pk}", quote(org.name)
    return {
        "findings": reverse("assessments:findings") + f"?{unit}&period={p.code}",
        "surveys": reverse("assessments:surveys", args=[org.pk]) + f"?period={p.code}",
        "standards": reverse("assessments:standards", args=[org.pk]) + f"?year={p.year}",
        "duty": reverse("assessments:duty_edit", args=[org.pk]),
        "entries": "#entries",
        "pilot": reverse("pilot:checklist") + f"?{unit}&month={p.start:%Y-%m}",
        "activities": reverse("pilot:activities") + f"?{unit}&period={p.code}",
        "economy": reverse("pilot:economy") + f"?year={p.year}&q={name}",
        "honors": reverse("pilot:honors") + f"?q={name}",
        "funding": reverse("pilot:funding") + f"?{unit}&year={p.year}",
        "brands": reverse("pilot:brands") + f"?q={name}",
        "pocketbook": reverse("pilot:pocketbook") + f"?{unit}&year={p.year}",
        "members": reverse("members:list") + f"?{unit}",
    }
