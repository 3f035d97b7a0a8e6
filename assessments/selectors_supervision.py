"""Supervision reads: findings, contacts, standards, surveys and duty ratings (re-exported by selectors)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organization
from branches.policy import Action, action_q, may_anywhere, role_orgs
from branches.scoping import get_visible_or_404

from .models import (
    Finding,
    FindingStatus,
    Standard,
    StandardCheck,
    StandardItem,
    StandardStatus,
    SurveyResponse,
    finding_overdue_q,
)
from .scoring import parse_period

# --- supervision --------------------------------------------------------------------------------


def findings_list(
    *, user, org: Organization | None = None, status: str = "", period: str = "", limit: int = 200
):
    return list(findings_query(user=user, org=org, status=status, period=period)[:limit])


def findings_query(*, user, org: Organization | None = None, status: str = "", period: str = "", q: str = ""):
    """督查问题 in scope, filtered: the findings page pages it; the year-end report lists it."""
    qs = Finding.objects.visible_to(user).select_related("organization", "inspection")
    if q:
        qs = qs.filter(Q(problem__icontains=q) | Q(organization__name__icontains=q))
    if org is not None:
        qs = qs.filter(organization__path__startswith=org.path)
    if status == "overdue":
        qs = qs.overdue()
    elif status:
        qs = qs.filter(status=status)
    if period:
        p = parse_period(period)
        qs = qs.filter(Q(found_on__range=(p.start, p.end)) | Q(deadline__range=(p.start, p.end)))
    return qs.order_by("deadline", "id")


def finding_get(*, user, finding_id: int) -> Finding:
    return get_visible_or_404(
        Finding.objects.visible_to(user).select_related("organization", "inspection__inspector"),
        pk=finding_id,
    )


def escalated_for_home(*, user, limit: int = 20):
    """Overdue rectification escalated to the level above: shown to reviewers (township, city)
    for units strictly below them. One query."""
    if not may_anywhere(user, Action.REVIEW):
        return []
    qs = Finding.objects.visible_to(user).filter(
        action_q(user, Action.REVIEW, "organization__path"),
        escalated_at__isnull=False,
        status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED],
    )
    return list(qs.select_related("organization").order_by("deadline", "id")[: limit + 1])


def contact_units(*, user):
    """班子成员工作联系点 / 督查组分工: the units this person follows, with open and overdue counts."""
    today = timezone.localdate()
    orgs = list(role_orgs(user, Action.FOLLOW).order_by("path"))
    counts = {
        r["organization__path"]: r
        for r in Finding.objects.visible_to(user)
        .filter(status__in=[FindingStatus.OPEN, FindingStatus.ANSWERED])
        .values("organization__path")
        .annotate(open=Count("id"), overdue=Count("id", filter=finding_overdue_q(today)))
    }
    out = []
    for o in orgs:
        n = sum(v["open"] for p, v in counts.items() if p.startswith(o.path))
        od = sum(v["overdue"] for p, v in counts.items() if p.startswith(o.path))
        out.append({"org": o, "open": n, "overdue": od})
    return out


def standard_years(*, domain: str) -> list[int]:
    """The years that have a published 合格支部标准 for ``domain`` (what the page can open on)."""
    return list(
        Standard.objects.filter(domain=domain, status=StandardStatus.PUBLISHED)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )


def survey_periods(*, org: Organization) -> list[str]:
    """The quarters in which ``org`` received 群众评价 answers."""
    return list(
        SurveyResponse.objects.filter(organization=org).order_by().values_list("period", flat=True).distinct()
    )


def standards_for(*, user, org: Organization, year: int):
    """The domain's checklist with this organization's self-check and verification, item by item."""
    items = list(
        StandardItem.objects.filter(
            standard__domain=org.domain, standard__year=year, standard__status=StandardStatus.PUBLISHED
        ).order_by("sort_order", "id")
    )
    checks = {
        c.item_id: c for c in StandardCheck.objects.visible_to(user).filter(organization=org, item__in=items)
    }
    return [{"item": i, "check": checks.get(i.pk)} for i in items]


def survey_summary(*, user, org: Organization, period: str) -> dict:
    p = parse_period(period)
    qs = SurveyResponse.objects.visible_to(user).filter(
        organization__path__startswith=org.path, answered_on__range=(p.start, p.end)
    )
    counts, flagged, by_channel = {}, {}, {}
    for rating, channel, is_flagged, k in (
        qs.values_list("rating", "channel", "flagged").annotate(k=Count("id")).order_by()
    ):
        bucket = flagged if is_flagged else counts
        bucket[rating] = bucket.get(rating, 0) + k
        if not is_flagged:
            by_channel[channel] = by_channel.get(channel, 0) + k
    comments = list(
        qs.filter(flagged=False).exclude(comment="").order_by("-answered_on", "-id")
        .values("answered_on", "rating", "comment")[:50]
    )  # fmt: skip
    n = sum(counts.values())
    score = (counts.get("satisfied", 0) + counts.get("basic", 0) / 2) / n if n else None
    return {"counts": counts, "n": n, "score": score, "comments": comments, "flagged": flagged,
            "n_flagged": sum(flagged.values()), "ballots": by_channel.get("ballot", 0)}  # fmt: skip


def duty_rating_summary(*, user, org: Organization, year: int) -> dict | None:
    """述职评议: the year's duty report and how members and the public rated it (one query each)."""
    from .models import DutyRating, DutyReport

    report = DutyReport.objects.visible_to(user).filter(organization=org, year=year).first()
    if report is None:
        return None
    counted = DutyRating.objects.filter(report=report, flagged=False)
    counts = dict(counted.values_list("rating").annotate(n=Count("id")).order_by())
    by_rater = dict(counted.values_list("rater").annotate(n=Count("id")).order_by())
    n_flagged = DutyRating.objects.filter(report=report, flagged=True).count()
    n = sum(counts.values())
    rate = None
    if n:
        rate = round((counts.get("satisfied", 0) * 2 + counts.get("basic", 0)) * 100 / (2 * n), 1)
    return {
        "title": report.title,
        "n": n,
        "counts": counts,
        "by_rater": by_rater,
        "rate": rate,
        "n_flagged": n_flagged,
    }
