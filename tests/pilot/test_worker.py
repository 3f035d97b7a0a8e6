"""The monthly-checklist job through a real worker (CI's PostgreSQL pass, CELERY_WORKER_TESTS=1)."""

import pytest

from pilot.models import ChecklistItem
from pilot.tasks import monthly_checklist

from .helpers import make_plan


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_monthly_checklist_on_a_real_worker_is_idempotent(small_city):
    make_plan(2023)
    assert monthly_checklist.apply_async(args=["2023-07"]).get(timeout=60) == 9
    assert monthly_checklist.apply_async(args=["2023-07"]).get(timeout=60) == 0
    assert ChecklistItem.objects.count() == 9
