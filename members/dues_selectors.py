"""Reads on 党费: the unpaid list of a month, totals per organization and year, on-time rates.

Set-based: the unpaid list is one anti-join (``NOT EXISTS`` on the (member, month) unique index)
paged, plus one conditional count; totals are one grouped query rolled up over the path order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from .dues import DuesPayment
from .dues_services import month_end
from .models import CURRENT_STATUSES, Member
from .selectors import _Rollup, prefix_q


def _paid(month: date):
    return Exists(DuesPayment.objects.filter(member_id=OuterRef("pk"), month=month))


def due_members(*, org_path: str, month: date):
    """Current members of a subtree who owed dues for ``month`` (joined by the month's end)."""
    return Member.objects.filter(
        status__in=CURRENT_STATUSES, organization__path__startswith=org_path, joined_on__lte=month_end(month)
    )


def unpaid_members(*, org_path: str, month: date):
    """未交名单: the due members with no payment recorded for the month, by organization and name."""
    return (
        due_members(org_path=org_path, month=month)
        .filter(~_paid(month))
        .select_related("organization", "dues_profile")
        .order_by("organization__path", "name", "id")
    )


@dataclass
class MonthCounts:
    due: int
    paid: int
    amount: Decimal

    @property
    def unpaid(self) -> int:
        return self.due - self.paid

    @property
    def rate(self) -> float:
        return self.paid / self.due if self.due else 0.0


def month_counts(*, org_path: str, month: date) -> MonthCounts:
    """Members due, paid, and the month's amount paid by them (two queries)."""
    agg = due_members(org_path=org_path, month=month).aggregate(
        due=Count("id"), paid=Count("id", filter=Q(_paid(month)))
    )
    amount = DuesPayment.objects.filter(month=month, organization__path__startswith=org_path).aggregate(
        s=Sum("amount")
    )["s"]
    return MonthCounts(agg["due"], agg["paid"], amount or Decimal(0))


@dataclass
class DuesTotals:
    payments: int = 0
    on_time: int = 0
    amount: Decimal = Decimal(0)

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.payments if self.payments else 0.0


def dues_totals(*, org_paths, year: int) -> dict[str, DuesTotals]:
    """A year's dues per organization subtree (payments kept with the organization paid to): two
    queries whatever the number of paths."""
    org_paths = list(org_paths)
    if not org_paths:
        return {}
    rows = (
        DuesPayment.objects.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
        .filter(prefix_q(org_paths, "organization__path"))
        .values("organization_id")
        .annotate(n=Count("id"), t=Count("id", filter=Q(on_time=True)), s=Sum("amount"))
        .order_by()
    )
    per_org = {r["organization_id"]: (r["n"], r["t"], r["s"] or Decimal(0)) for r in rows}
    roll = _Rollup(org_paths, per_org, 3)
    return {p: DuesTotals(*roll.for_path(p)) for p in org_paths}


def monthly_amounts(*, org_path: str, year: int) -> list[tuple[date, int, Decimal]]:
    """The twelve months of a year for a subtree: (month, payments, amount). One query."""
    rows = dict(
        (r["month"], (r["n"], r["s"]))
        for r in DuesPayment.objects.filter(
            month__gte=date(year, 1, 1), month__lte=date(year, 12, 1), organization__path__startswith=org_path
        )
        .values("month")
        .annotate(n=Count("id"), s=Sum("amount"))
        .order_by()
    )
    return [(date(year, m, 1), *rows.get(date(year, m, 1), (0, Decimal(0)))) for m in range(1, 13)]


def on_time_rates(*, member_ids, year: int, today: date) -> dict[int, tuple[int, int]]:
    """Per member: (months paid on time, months due) in ``year`` up to ``today``'s month — the
    share a 先锋指数 indicator takes from dues (按时交纳党费). Two queries."""
    last = date(year, 12, 1) if today.year > year else today.replace(day=1)
    if last.year < year:
        return {}
    members = Member.objects.all() if member_ids is None else Member.objects.filter(pk__in=member_ids)
    pays = (
        DuesPayment.objects.all()
        if member_ids is None
        else DuesPayment.objects.filter(member_id__in=member_ids)
    )
    on_time = defaultdict(int)
    for mid, n in (
        pays.filter(month__gte=date(year, 1, 1), month__lte=last, on_time=True)
        .values("member_id")
        .annotate(n=Count("id"))
        .values_list("member_id", "n")
        .order_by()
    ):
        on_time[mid] = n
    out = {}
    for mid, joined in members.values_list("pk", "joined_on"):
        first = max(date(year, 1, 1), joined.replace(day=1))
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if months > 0:
            out[mid] = (on_time[mid], months)
    return out
