"""按时交纳党费、参加组织生活: the part of the 先锋指数 taken from records instead of a rating.

For a member and a year (up to today):

- dues: months paid on time / months due (from joining, or January), for members whose dues
  basis is on file (a branch that does not keep dues here is not judged on them);
- organizational life: activities attended / activities held by the member's organization and
  the organizations above it (主题党日, 三会一课 …) since joining — attendance is what check-in
  and the activity's roster record.

The value is 0–100, the mean of the parts a member has records for; a member with neither keeps
the value entered in the grid. Three or four grouped queries, whatever the number of members.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import date

from django.db.models import Count
from django.utils import timezone


def attendance_rates(*, member_ids, year: int, today: date) -> dict[int, tuple[int, int]]:
    """Per member: (activities attended, activities held for them) in ``year`` up to ``today``."""
    from pilot.models import Activity

    from .models import Member

    members = Member.objects.all() if member_ids is None else Member.objects.filter(pk__in=member_ids)
    acts = Activity.objects.filter(held_on__gte=date(year, 1, 1), held_on__lte=min(today, date(year, 12, 31)))
    held: dict[str, list[date]] = defaultdict(list)
    for path, day in acts.values_list("organization__path", "held_on").order_by("held_on"):
        held[path].append(day)
    if not held:
        return {}
    through = Activity.attendees.through
    went = through.objects.filter(activity__in=acts)
    if member_ids is not None:
        went = went.filter(member_id__in=member_ids)
    attended = dict(went.values("member_id").annotate(n=Count("id")).values_list("member_id", "n").order_by())
    from branches.models import Organization

    step = Organization.steplen
    out = {}
    for mid, path, joined in members.values_list("pk", "organization__path", "joined_on"):
        expected = 0
        for k in range(step, len(path) + 1, step):
            days = held.get(path[:k])
            if days:
                expected += len(days) - bisect_left(days, joined)
        if expected:
            out[mid] = (min(attended.get(mid, 0), expected), expected)
    return out


def participation_values(*, member_ids, year: int, today: date | None = None) -> dict[int, int]:
    """0–100 per member who has dues or activity records in ``year``; absent: no records."""
    from .dues import DuesProfile
    from .dues_selectors import on_time_rates

    today = today or timezone.localdate()
    if year > today.year:
        return {}
    with_basis = (
        DuesProfile.objects.all()
        if member_ids is None
        else DuesProfile.objects.filter(member_id__in=member_ids)
    )
    basis = set(with_basis.values_list("member_id", flat=True))
    dues = (
        {m: r for m, r in on_time_rates(member_ids=member_ids, year=year, today=today).items() if m in basis}
        if basis
        else {}
    )
    life = attendance_rates(member_ids=member_ids, year=year, today=today)
    out = {}
    for mid in set(dues) | set(life):
        shares = [r[0] / r[1] for r in (dues.get(mid), life.get(mid)) if r and r[1]]
        if shares:
            out[mid] = round(100 * sum(shares) / len(shares))
    return out
