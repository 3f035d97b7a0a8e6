import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from pilot.models import Brand, ChecklistItem, PlanYear, ProgressReport, Task


@pytest.mark.django_db
def test_demo_city_has_the_2023_plan_and_uneven_progress(settings):
    settings.DEBUG = True
    call_command("demo_city", "--members", "300", stdout=io.StringIO())
    assert PlanYear.objects.get(year=2023).theme == "标准强化年"
    assert Task.objects.filter(plan_year__year=2023, is_common=True).count() == 6
    rates = [
        r["ok"] / r["n"]
        for r in ChecklistItem.objects.filter(period__lte=date(2023, 10, 1))
        .values("organization__township_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(status="accepted")))
        if r["n"]
    ]
    assert max(rates) - min(rates) > 0.3  # some townships fast, some slow
    assert (
        ProgressReport.objects.filter(is_late=True).exists()
        and ProgressReport.objects.filter(is_late=False).exists()
    )
    assert Brand.objects.published().exists() and Brand.objects.filter(published_at__isnull=True).exists()
    # rerunning the month's job over the demo creates nothing
    from pilot.services import checklist_generate

    assert checklist_generate(period=date(2023, 7, 1)) == 0
