"""The review list (审核): the reports waiting for the level above, one card per item — unit, task,
month, the latest report's narrative and photos — for a phone. Fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from branches.models import Organization
from branches.policy import Action, orgs_for

from .models import ChecklistItem, Evidence, EvidenceKind, ItemStatus, ProgressReport

PER_PAGE = 20


@dataclass
class ReviewPage:
    items: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    first: int = 0  # 1-based number of the first row shown
    last: int = 0
    months: list = field(default_factory=list)  # [(period, n)] of everything waiting


def waiting(*, user, month: date | None = None, org: Organization | None = None):
    """Items the user may review that wait for it (submitted), optionally of one month/subtree."""
    qs = ChecklistItem.objects.filter(
        organization__in=orgs_for(user, Action.REVIEW).values("pk"), status=ItemStatus.SUBMITTED
    )
    if org is not None:
        qs = qs.filter(organization__path__startswith=org.path)
    if month is not None:
        qs = qs.filter(period=month)
    return qs


def review_page(
    *, user, month: date | None = None, org: Organization | None = None, page: int = 1
) -> ReviewPage:
    """One page of the review list: four queries whatever the number waiting."""
    base = waiting(user=user, org=org)
    out = ReviewPage()
    out.months = [
        (r["period"], r["n"]) for r in base.values("period").annotate(n=Count("id")).order_by("period")
    ]
    qs = base.filter(period=month) if month is not None else base
    out.total = sum(n for p, n in out.months if month is None or p == month)
    out.pages = max(1, -(-out.total // PER_PAGE))
    out.page = min(max(1, page), out.pages)
    start = (out.page - 1) * PER_PAGE
    latest = ProgressReport.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-id")
    items = list(
        qs.select_related("task", "organization")
        .annotate(
            report_id=Subquery(latest.values("pk")[:1]),
            narrative=Subquery(latest.values("narrative")[:1]),
            reported_percent=Subquery(latest.values("percent")[:1]),
            # Whoever reported it never reviews it (职责分离): no buttons on those.
            mine=Exists(ProgressReport.objects.filter(item=OuterRef("pk"), author_id=user.pk)),
        )
        .order_by("period", F("last_submitted_at").asc(nulls_last=True), "id")[start : start + PER_PAGE]
    )
    photos = defaultdict(list)
    files = defaultdict(int)
    for e in Evidence.objects.filter(report_id__in=[i.report_id for i in items if i.report_id]).order_by(
        "id"
    ):
        if e.kind == EvidenceKind.IMAGE:
            photos[e.report_id].append(e)
        else:
            files[e.report_id] += 1
    for i, it in enumerate(items):
        it.photos = photos.get(it.report_id, [])
        it.other_files = files.get(it.report_id, 0)
        it.next_id = items[i + 1].pk if i + 1 < len(items) else None
    out.items = items
    out.first = start + 1 if items else 0
    out.last = start + len(items)
    return out


def item_words(item: ChecklistItem) -> str:
    """What a decision names: 甲一村 · 支部主题党日 · 2026年11月."""
    unit = item.organization.short_name or item.organization.name
    return f"{unit} · {item.task.title} · {date_format(item.period, _('Y年n月'))}"
