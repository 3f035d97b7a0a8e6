"""The demo city on days of its own: the 29th (after the month's due day) and the real today.
(Separate from test_demo_today.py, whose module-wide city would be in the way.)"""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from branches.models import Role
from pilot.models import ChecklistItem, ItemStatus, PlanYear, Task


def _cun():
    return Role.objects.get(user__username="cun").organization


def _share(qs, q) -> float:
    n = qs.count()
    return qs.filter(q).count() / n if n else 0.0


@pytest.mark.django_db
def test_on_the_29th_most_of_the_month_is_still_not_overdue(settings):
    """The 29th, after the due day: what the secretaries left open is overdue, but most is reported."""
    settings.DEBUG = True
    call_command("demo_city", "--members", "200", "--today", "2026-10-29", stdout=io.StringIO())
    month = ChecklistItem.objects.filter(period=date(2026, 10, 1))
    overdue = Q(is_late=True, status__in=[ItemStatus.PENDING, ItemStatus.RETURNED])
    assert 0 < _share(month, overdue) < 0.5
    # V06 村民广场 is due 10-31: not late on the 29th, whatever its state.
    assert not month.filter(task__code="V06", is_late=True).exists()
    mine = month.filter(organization=_cun())
    assert mine.count() == 4 and mine.filter(overdue).count() <= 1


@pytest.mark.django_db
def test_on_the_real_today_the_village_secretarys_month_exists_and_most_is_not_overdue(settings):
    """Whatever today is (Asia/Shanghai): the bar of issue 10."""
    settings.DEBUG = True
    call_command("demo_city", "--members", "200", stdout=io.StringIO())
    today = timezone.localdate()
    month = ChecklistItem.objects.filter(period=today.replace(day=1))
    mine = month.filter(organization=_cun())
    overdue = Q(is_late=True, status__in=[ItemStatus.PENDING, ItemStatus.RETURNED])
    assert mine.exists()
    assert mine.filter(overdue).count() < mine.count() / 2
    assert month.filter(overdue).count() < month.count() / 2
    assert PlanYear.objects.filter(year=today.year).exists()
    assert Task.objects.filter(plan_year__year=today.year).exists()
