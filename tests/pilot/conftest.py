from datetime import timedelta

import pytest
from django.utils import timezone

from pilot.models import ChecklistItem

from .helpers import setup_checklist


@pytest.fixture
def pilot_city(small_city):
    """The small city with this year's plan and this month's checklist, due in ten days."""
    small_city.extra["period"] = setup_checklist()
    # generating after the month's due day marks the items late: this month's are not, yet
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=10), is_late=False)
    return small_city
