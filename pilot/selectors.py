"""Reads for the pilot, always starting from the user's scope.

Documented for other apps (assessments, reports) — set-based, one query each:

* ``completion_by_org(period_start, period_end, scope=Scope.city())`` → ``{org_id: Completion}``
  with the number of items due, submitted, accepted, on time and late per organization.
* ``items_in(period_start, period_end, scope=Scope.city())`` → the ``ChecklistItem`` queryset behind it
  (columns: ``status``, ``due_date``, ``submitted_at``, ``accepted_at``, ``is_late``, all indexed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from branches.models import Level, Organization
from branches.policy import CITY, Action, Scope, may_anywhere
from branches.scoping import get_visible_or_404, role_grants

from .models import (
    OPEN_STATUSES,
    AnnualGoal,
    Brand,
    CenterStage,
    ChecklistItem,
    CollectiveIncome,
    GoalMetric,
    IncomeStatus,
    ItemStatus,
    NoticeRecipient,
    PlanYear,
    ProgressReport,
    ServiceCenterProject,
    Task,
    late_q,
)

REMIND_DAYS = 3


# --- for other apps -------------------------------------------------------------------------------
def items_in(period_start: date, period_end: date, scope: Scope = CITY):
    """Checklist items whose month lies in [period_start, period_end] (both inclusive)."""
    return ChecklistItem.objects.filter(
        period__gte=period_start.replace(day=1), period__lte=period_end
    ).filter(scope.q())


@dataclass
class Completion:
    due: int = 0
    submitted: int = 0  # submitted or accepted
    accepted: int = 0
    on_time: int = 0  # submitted (or accepted) and not late
    late: int = 0

    @property
    def completion_rate(self) -> float:
        return self.accepted / self.due if self.due else 0.0

    @property
    def timeliness_rate(self) -> float:
        return self.on_time / self.due if self.due else 0.0


def completion_by_org(period_start: date, period_end: date, scope: Scope = CITY) -> dict[int, Completion]:
    """Task completion and timeliness per organization for the period — one grouped query."""
    today = timezone.localdate()
    done = Q(status__in=[ItemStatus.SUBMITTED, ItemStatus.ACCEPTED])
    rows = (
        items_in(period_start, period_end, scope)
        .values("organization_id")
        .annotate(
            due=Count("id"),
            submitted=Count("id", filter=done),
            accepted=Count("id", filter=Q(status=ItemStatus.ACCEPTED)),
            on_time=Count("id", filter=done & ~late_q(today)),
            late=Count("id", filter=late_q(today)),
        )
        .order_by()
    )
    return {
        r["organization_id"]: Completion(r["due"], r["submitted"], r["accepted"], r["on_time"], r["late"])
        for r in rows
    }


def _member_totals(scope: Scope, year: int) -> tuple[int, int, int]:
    """(members, e-ID authenticated, rated in the five-star scheme) over the subtrees — the one place
    member figures are read, through ``members.selectors.member_rates``."""
    from members.selectors import member_rates_cached

    rates = member_rates_cached(org_paths=list(scope.prefixes), year=year).values()
    return (sum(r.members for r in rates), sum(r.eid for r in rates), sum(r.rated for r in rates))


def eid_coverage(scope: Scope = CITY, year: int | None = None) -> tuple[int, int]:
    """(authenticated, current members)."""
    n, e, _r = _member_totals(scope, year or timezone.localdate().year)
    return e, n


def five_star_coverage(scope: Scope = CITY, year: int | None = None) -> tuple[int, int]:
    """(members rated in the year's 五星党员创评, current members)."""
    n, _e, r = _member_totals(scope, year or timezone.localdate().year)
    return r, n


# --- plan and goals -------------------------------------------------------------------------------
@dataclass
class GoalRow:
    goal: AnnualGoal
    actual: Decimal | None
    detail: str = ""

    @property
    def attained(self) -> bool | None:
        return None if self.actual is None else self.actual >= self.goal.target_value

    @property
    def bar(self) -> int:
        if self.actual is None or not self.goal.target_value:
            return 0
        return min(100, int(self.actual * 100 / self.goal.target_value))


def _pct(a: int, b: int) -> Decimal | None:
    return (Decimal(a) * 100 / Decimal(b)).quantize(Decimal("0.1")) if b else None


def goal_attainment(*, user=None, scope: Scope | None = None, plan_year: PlanYear) -> list[GoalRow]:
    """Each goal's actual value computed from data in ``scope`` (default: what the user sees) —
    a fixed number of queries. Reports pass ``Scope.of(org)`` to measure one organization."""
    scope = scope if scope is not None else Scope.seen_by(user)
    out = []
    members = None
    for g in plan_year.goals.all():
        actual, detail = None, ""
        if g.metric in (GoalMetric.EID_COVERAGE, GoalMetric.FIVE_STAR_COVERAGE):
            if members is None:
                members = _member_totals(scope, plan_year.year)
            n, e, r = members
            done = e if g.metric == GoalMetric.EID_COVERAGE else r
            actual, detail = _pct(done, n), f"{done}/{n}"
        elif g.metric == GoalMetric.VILLAGE_INCOME:
            threshold = g.threshold or Decimal(0)
            agg = (
                CollectiveIncome.objects.filter(scope.q(), year=plan_year.year, status=IncomeStatus.CONFIRMED)
                .aggregate(n=Count("id"), ok=Count("id", filter=Q(income__gte=threshold)))
            )  # fmt: skip
            actual, detail = _pct(agg["ok"], agg["n"]), f"{agg['ok']}/{agg['n']}"
        elif g.metric == GoalMetric.CENTERS_BUILT:
            n = ServiceCenterProject.objects.filter(scope.q(), stage=CenterStage.DONE,
                                                    completed_on__year__lte=plan_year.year).count()  # fmt: skip
            actual, detail = Decimal(n), str(n)
        elif g.metric == GoalMetric.CHECKLIST_COMPLETION:
            agg = ChecklistItem.objects.filter(scope.q(), period__year=plan_year.year,
                                               due_date__lt=timezone.localdate()).aggregate(
                n=Count("id"), ok=Count("id", filter=Q(status=ItemStatus.ACCEPTED)))  # fmt: skip
            actual, detail = _pct(agg["ok"], agg["n"]), f"{agg['ok']}/{agg['n']}"
        elif g.metric == GoalMetric.BRANDS_PUBLISHED:
            n = Brand.objects.filter(scope.q()).published().count()
            actual, detail = Decimal(n), str(n)
        out.append(GoalRow(g, actual, detail))
    return out


def default_year() -> int:
    """The year pages open on when none is asked for: the year of ``default_period`` — so the
    checklist, the economy, the roster's ratings and the dashboards all show the same year."""
    return default_period().year


def default_period(today: date | None = None) -> date:
    """This month — or, when this year has no tasks (a past plan, the 2023 demo), the last month
    of the latest year that has them."""
    today = today or timezone.localdate()
    latest = (
        Task.objects.filter(plan_year__year__lte=today.year).order_by("-plan_year__year")
        .values_list("plan_year__year", flat=True).first()
    )  # fmt: skip
    if latest is None or latest == today.year:
        return today.replace(day=1)
    return date(latest, 12, 1)


def plan_years() -> list[PlanYear]:
    """Every plan year, the latest first (the plan is public to every signed-in person)."""
    return list(PlanYear.objects.select_related("plan").order_by("-year"))


def current_plan_year(year: int | None = None) -> PlanYear | None:
    qs = PlanYear.objects.select_related("plan")
    year = year or default_period().year
    return qs.filter(year=year).first() or qs.filter(year__lte=year).order_by("-year").first() or qs.first()


# --- the secretary's checklist ---------------------------------------------------------------------
def own_org_ids(user) -> list[int]:
    """The organizations the user's roles attach them to directly (their own checklists)."""
    return sorted({g.organization_id for g in role_grants(user)})


def item_get(*, user, item_id) -> ChecklistItem:
    return get_visible_or_404(
        ChecklistItem.objects.visible_to(user).select_related("organization", "task", "reviewed_by"),
        pk=item_id,
    )


def my_checklist(*, user, period: date):
    """This month's items of the user's own organizations, plus older items still open or returned."""
    ids = own_org_ids(user)
    return (
        ChecklistItem.objects.visible_to(user)
        .filter(organization_id__in=ids)
        .filter(Q(period=period) | Q(period__lt=period, status__in=OPEN_STATUSES))
        .select_related("task", "organization")
        .order_by("period", "due_date", "task__sort_order", "id")
    )


@dataclass
class Reminders:
    due_soon: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    overdue_total: int = 0
    unread_notices: int = 0
    to_review: int = 0
    review_period: date | None = None


def reminders_for(*, user, today: date | None = None, limit: int = 10) -> Reminders:
    """Due in 3 days, overdue and returned items of the user's own organizations; unread notices.

    Four queries whatever the number of items."""
    today = today or timezone.localdate()
    ids = own_org_ids(user)
    r = Reminders()
    if not ids:
        return r
    if may_anywhere(user, Action.REVIEW):
        # The level above: this month's reports waiting for review below them.
        r.review_period = default_period(today)
        r.to_review = (
            ChecklistItem.objects.visible_to(user)
            .filter(period=r.review_period, status=ItemStatus.SUBMITTED)
            .exclude(organization_id__in=ids)
            .count()
        )
    base = (
        ChecklistItem.objects.visible_to(user)
        .filter(organization_id__in=ids, status__in=OPEN_STATUSES)
        .select_related("task", "organization")
    )
    rows = list(
        base.filter(due_date__lte=today + timedelta(days=REMIND_DAYS)).order_by("due_date", "id")[: limit * 3]
    )
    r.overdue_total = base.overdue(today).count()
    for it in rows:
        if it.status == ItemStatus.RETURNED:
            r.returned.append(it)
        elif it.late_on(today):
            r.overdue.append(it)
        else:
            r.due_soon.append(it)
    r.returned += list(
        base.filter(status=ItemStatus.RETURNED, due_date__gt=today + timedelta(days=REMIND_DAYS))[:limit]
    )
    r.due_soon, r.overdue, r.returned = r.due_soon[:limit], r.overdue[:limit], r.returned[:limit]
    r.unread_notices = NoticeRecipient.objects.filter(organization_id__in=ids, read_at__isnull=True).count()
    return r


def item_history(*, item: ChecklistItem):
    """Reports (newest first) with evidence, and reviews — two or three queries."""
    reports = list(item.reports.select_related("author").prefetch_related("evidence"))
    reviews = list(item.reviews.select_related("reviewer"))
    return reports, reviews


def evidence_get(*, user, evidence_id):
    from .models import Evidence

    return get_visible_or_404(Evidence.objects.visible_to(user), pk=evidence_id)


# --- township matrix and city view ------------------------------------------------------------------
@dataclass
class MatrixRow:
    org: Organization
    cells: list  # one per task: ChecklistItem-like dict or None
    counts: dict


def matrix(*, user, org: Organization, period: date, domain: str = "", element: str = "",
           status: str = "") -> tuple[list[Task], list[MatrixRow]]:  # fmt: skip
    """Units below ``org`` × this month's tasks — three queries whatever the size."""
    units = (
        Organization.objects.visible_to(user)
        .filter(path__startswith=org.path, level=Level.UNIT)
        .exclude(pk=org.pk)
    )
    if domain:
        units = units.filter(domain=domain)
    # Items of exactly those units: the id subquery uses the path index, then (organization, period).
    items = (
        ChecklistItem.objects.visible_to(user)
        .filter(period=period, organization_id__in=units.values("pk"))
        .with_late()
    )
    if element:
        items = items.filter(task__element=element)
    if status:
        items = items.filter(status=status)
    cells = list(
        items.values(
            "id", "organization_id", "task_id", "status", "percent", "late_now", "due_date"
        ).order_by()
    )
    task_ids = {c["task_id"] for c in cells}
    tasks = list(Task.objects.filter(pk__in=task_ids).order_by("sort_order", "code"))
    units = list(units.only("id", "name", "short_name", "domain", "path", "level").order_by("path"))
    by_org: dict[int, dict[int, dict]] = defaultdict(dict)
    for c in cells:
        by_org[c["organization_id"]][c["task_id"]] = c
    rows = []
    for u in units:
        mine = by_org.get(u.pk, {})
        if (element or status) and not mine:
            continue
        counts = defaultdict(int)
        for c in mine.values():
            counts[c["status"]] += 1
            counts["late"] += c["late_now"]
        counts["total"] = len(mine)
        rows.append(MatrixRow(u, [mine.get(t.pk) for t in tasks], dict(counts)))
    return tasks, rows


def township_summary(*, user, period: date, domain: str = "", element: str = "") -> list[dict]:
    """The city view: per township, items by status this month — two queries."""
    items = ChecklistItem.objects.visible_to(user).filter(period=period)
    if domain:
        items = items.filter(organization__domain=domain)
    if element:
        items = items.filter(task__element=element)
    rows = (
        items.values(township=F("organization__township_id"))
        .annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(status=ItemStatus.PENDING)),
            submitted=Count("id", filter=Q(status=ItemStatus.SUBMITTED)),
            returned=Count("id", filter=Q(status=ItemStatus.RETURNED)),
            accepted=Count("id", filter=Q(status=ItemStatus.ACCEPTED)),
            late=Count("id", filter=late_q(timezone.localdate())),
        )
        .order_by()
    )
    by_town = {r["township"]: r for r in rows}
    towns = Organization.objects.visible_to(user).filter(level=Level.TOWNSHIP).order_by("path")
    out = []
    for t in towns:
        r = by_town.get(t.pk)
        if not r:
            continue
        r = dict(r)
        r["org"] = t
        r["done_pct"] = round(100 * r["accepted"] / r["total"]) if r["total"] else 0
        r["reported_pct"] = round(100 * (r["accepted"] + r["submitted"]) / r["total"]) if r["total"] else 0
        out.append(r)
    return out


def income_below_target(*, user, year: int):
    """Villages below their collective-income target, with the township's measures."""
    return (
        CollectiveIncome.objects.visible_to(user)
        .filter(year=year, income__lt=F("target"), status=IncomeStatus.CONFIRMED)
        .select_related("organization", "organization__township")
        .prefetch_related("measures")
        .order_by("organization__township__path", "income")
    )


def income_summary(*, user, year: int) -> dict:
    return (
        CollectiveIncome.objects.visible_to(user)
        .filter(year=year, status=IncomeStatus.CONFIRMED)
        .aggregate(
            n=Count("id"),
            below=Count("id", filter=Q(income__lt=F("target"))),
            lagging=Count("id", filter=Q(is_lagging=True)),
            weak=Count("id", filter=Q(is_weak=True)),
            total=Sum("income"),
        )
    )


def checklist_export_rows(*, user, org: Organization, period: date):
    """Rows for the township's checklist export: one per item, with the latest report's narrative
    (the report entered once, reused here) — two queries."""
    from django.db.models import OuterRef, Subquery

    latest = ProgressReport.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-id")
    qs = (
        ChecklistItem.objects.visible_to(user)
        .filter(period=period, organization__path__startswith=org.path)
        .select_related("organization", "task")
        .annotate(narrative=Subquery(latest.values("narrative")[:1]))
        .order_by("organization__path", "task__sort_order")
    )
    for it in qs.iterator(chunk_size=2000):
        yield [
            it.organization.code, it.organization.name, it.task.code, it.task.title, it.task.get_element_display(),
            it.get_status_display(), it.percent, it.due_date, it.last_submitted_at, it.accepted_at,
            "是" if it.late else "", it.delay_reason, it.return_reason, it.narrative or "",
        ]  # fmt: skip
