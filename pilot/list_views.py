"""The pilot's long lists — activities, pocketbooks, the economy, centers, brands, honors, funding:
50 rows a page with the count (``branches.paging``), a search box and the filters that matter,
pickers with Chinese names, opening on the latest year that has data. Each page makes the same
number of queries whatever the list's size."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from branches import params
from branches.paging import page_of
from branches.policy import Action, may_anywhere, orgs_for
from branches.scoping import org_for_user_or_404

from . import selectors
from .entry_views import own_villages_reporting
from .forms import MeasureForm
from .models import (
    Activity,
    ActivityKind,
    Brand,
    CenterStage,
    CollectiveIncome,
    Commitment,
    FundingCategory,
    FundingRecord,
    Honor,
    HonorTarget,
    ServiceCenterProject,
)


def _own_managed(request):
    return list(orgs_for(request.user, Action.MANAGE).filter(pk__in=selectors.own_org_ids(request.user)))


def _years(qs) -> list[int]:
    return list(qs.order_by().values_list("year", flat=True).distinct())


def _year(request, years: list[int]) -> int:
    """``?year=``, else the plan's year when it has rows, else the latest year that has."""
    return params.year(request, lambda: params.latest(years, selectors.default_year()))


def _within(request, qs, field: str = "organization"):
    """``?org=`` narrows a list to one organization's subtree (404 outside the user's own)."""
    if not params.raw(request, "org"):
        return qs, None
    org = org_for_user_or_404(request.user, params.raw(request, "org"))
    return qs.filter(**{f"{field}__path__startswith": org.path}), org


def _period_range(code: str) -> tuple[date, date]:
    from assessments.scoring import parse_period

    p = parse_period(code)
    return p.start, p.end


@login_required
def activities(request):
    """组织活动: by period (a score's 组织活动次数 links here with its quarter), type, unit or words."""
    visible = Activity.objects.visible_to(request.user)
    qs, org = _within(request, visible.select_related("organization"))
    period = params.period(request, "")
    if period:
        qs = qs.filter(held_on__range=_period_range(period))
    kind = params.choice(request, "kind", ActivityKind, label=_("类型"))
    if kind:
        qs = qs.filter(kind=kind)
    q = params.search(request)
    if q:
        qs = qs.filter(Q(topic__icontains=q) | Q(organization__name__icontains=q))
    return render(request, "pilot/activities.html", {
        "page": page_of(request, qs.order_by("-held_on", "-id")), "own": _own_managed(request), "org": org,
        "period": period, "periods": params.periods_of_years(visible.order_by().dates("held_on", "year"), keep=period), "kind": kind, "kinds": ActivityKind.choices,
        "q": q,
    })  # fmt: skip


@login_required
def pocketbook(request):
    visible = Commitment.objects.visible_to(request.user)
    years = _years(visible)
    year = _year(request, years)
    qs, org = _within(request, visible.filter(year=year).select_related("organization"))
    state = params.choice(request, "state", ("done", "open"), label=_("兑现情况"))
    if state:
        qs = qs.filter(fulfilled=state == "done")
    q = params.search(request)
    if q:
        qs = qs.filter(
            Q(content__icontains=q) | Q(organization__name__icontains=q) | Q(secretary_name__icontains=q)
        )
    own_ids = selectors.own_org_ids(request.user)
    own = list(orgs_for(request.user, Action.MANAGE).filter(pk__in=own_ids))
    return render(request, "pilot/pocketbook.html", {
        "page": page_of(request, qs.order_by("organization__path", "id")), "year": year,
        "years": params.year_options([*years, year]), "own_ids": own_ids, "own": own, "org": org, "q": q,
        "state": state, "states": [("open", _("未兑现")), ("done", _("已兑现"))],
    })  # fmt: skip


@login_required
def economy(request):
    years = _years(CollectiveIncome.objects.visible_to(request.user))
    year = _year(request, years)
    qs = selectors.income_below_target(user=request.user, year=year)
    q = params.search(request)
    if q:
        qs = qs.filter(Q(organization__name__icontains=q) | Q(organization__township__name__icontains=q))
    return render(request, "pilot/economy.html", {
        "year": year, "years": params.year_options([*years, year]), "page": page_of(request, qs), "q": q,
        "summary": selectors.income_summary(user=request.user, year=year), "form": MeasureForm(),
        "report_orgs": own_villages_reporting(request.user), "may_review": may_anywhere(request.user, Action.REVIEW),
    })  # fmt: skip


@login_required
def centers(request):
    visible = ServiceCenterProject.objects.visible_to(request.user)
    summary = visible.aggregate(n=Count("id"), done=Count("id", filter=Q(stage="done")), budget=Sum("budget"),
                                spent=Sum("spent"))  # fmt: skip
    qs, org = _within(request, visible.select_related("organization"))
    stage = params.choice(request, "stage", CenterStage, label=_("阶段"))
    if stage:
        qs = qs.filter(stage=stage)
    q = params.search(request)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organization__name__icontains=q))
    return render(request, "pilot/centers.html", {
        "page": page_of(request, qs.order_by("-year", "organization__path", "id")), "summary": summary,
        "own": _own_managed(request), "org": org, "q": q, "stage": stage, "stages": CenterStage.choices,
    })  # fmt: skip


@login_required
def brands(request):
    """The city-wide showcase: published brands, visible to every signed-in person, plus own drafts."""
    visible = Brand.objects.visible_to(request.user).select_related("organization")
    q = params.search(request)
    if q:
        visible = visible.filter(Q(name__icontains=q) | Q(organization__name__icontains=q))
    return render(request, "pilot/brands.html", {
        "page": page_of(request, visible.published().order_by("-published_at", "id")),
        "drafts": page_of(request, visible.filter(published_at__isnull=True).order_by("organization__path", "id"),
                          name="dpage"),
        "q": q, "own": _own_managed(request),
    })  # fmt: skip


@login_required
def honors(request):
    targets = HonorTarget.objects.visible_to(request.user).select_related("organization")
    received = Honor.objects.visible_to(request.user).select_related("organization")
    q = params.search(request)
    if q:
        targets = targets.filter(Q(title__icontains=q) | Q(organization__name__icontains=q))
        received = received.filter(Q(title__icontains=q) | Q(organization__name__icontains=q))
    return render(request, "pilot/honors.html", {
        "targets": page_of(request, targets.order_by("-year", "organization__path"), name="tpage"),
        "page": page_of(request, received.order_by("-awarded_on", "-id")), "own": _own_managed(request), "q": q,
    })  # fmt: skip


@login_required
def funding(request):
    visible = FundingRecord.objects.visible_to(request.user)
    years = _years(visible)
    year = _year(request, years)
    qs, org = _within(request, visible.filter(year=year))
    labels = dict(FundingCategory.choices)
    by_cat = [
        {**c, "label": labels.get(c["category"], c["category"])}
        for c in qs.values("category").annotate(total=Sum("amount"), n=Count("id")).order_by("category")
    ]
    category = params.choice(request, "category", FundingCategory, label=_("类别"))
    if category:
        qs = qs.filter(category=category)
    return render(request, "pilot/funding.html", {
        "page": page_of(request, qs.select_related("organization").order_by("-spent_on", "-id")), "by_cat": by_cat,
        "year": year, "years": params.year_options([*years, year]), "own": _own_managed(request), "org": org,
        "category": category, "categories": FundingCategory.choices,
    })  # fmt: skip
